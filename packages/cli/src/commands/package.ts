/**
 * `edgeml package`: turns a model package into a deployable target. `--target worker` writes a
 * self-contained Wrangler project (Hono app, onnxruntime-web, the model) and reports its raw and
 * gzip size from `wrangler deploy --dry-run`; above 3 MB gzip it warns, above 10 MB it fails unless
 * --force.
 */
import { packageWorker } from '@edgeml/runtime-edge/node';
import type { Command } from '../command.js';
import { choiceOption, optionalInt, stringOption } from '../options.js';
import { formatTable } from '../output.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const packageCommand: Command = {
  name: 'package',
  summary: 'package a model for a deployment target (Cloudflare Worker)',
  examples: [
    'pnpm edgeml package --model runs/teacher-export --target worker --out dist/worker',
    'pnpm edgeml package --model runs/teacher-export --target worker --precision int8 --cors "*" --out dist/worker',
  ],
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model package with an ONNX file' },
    target: {
      type: 'string',
      placeholder: 'worker',
      description: "deployment target: 'worker'",
      default: 'worker',
    },
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'project directory to write',
      default: 'dist/worker',
    },
    precision: {
      type: 'string',
      placeholder: 'float32|int8',
      description: 'model variant to serve',
      default: 'float32',
    },
    name: { type: 'string', placeholder: 'NAME', description: 'Worker name (default: the model name)' },
    cors: {
      type: 'string',
      placeholder: 'ORIGINS',
      description: "CORS origins: '*' or a comma-separated list (default: no CORS)",
    },
    'max-body-bytes': {
      type: 'string',
      placeholder: 'N',
      description: 'largest request body accepted',
      default: '4194304',
    },
    'compatibility-date': {
      type: 'string',
      placeholder: 'YYYY-MM-DD',
      description: 'wrangler compatibility_date',
    },
    force: { type: 'boolean', description: 'package even above the 10 MB gzip size budget' },
  },
  async run(values, out) {
    choiceOption(values, 'target', ['worker'], 'worker');
    const modelDir = stringOption(values, 'model');
    const outDir = stringOption(values, 'out', 'dist/worker');
    const precision = choiceOption(values, 'precision', ['float32', 'int8'], 'float32');
    const maxBodyBytes = optionalInt(values, 'max-body-bytes', { min: 1, max: 100 * 1024 * 1024 });
    const compatibilityDate = values['compatibility-date'];
    out.note(`packaging ${modelDir} as a Cloudflare Worker (measuring with wrangler deploy --dry-run)`);
    const result = await packageWorker(modelDir, outDir, {
      precision,
      force: values.force === true,
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values.cors === 'string' ? { corsOrigins: values.cors } : {}),
      ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      ...(typeof compatibilityDate === 'string' ? { compatibilityDate } : {}),
    });
    for (const warning of result.warnings) out.note(`warning: ${warning}`);
    if (out.json) {
      out.printJson(result);
      return 0;
    }
    const size = result.size;
    if (size) {
      const rows = size.modules.map((m) => [m.path, kib(m.bytes), kib(m.gzipBytes)]);
      rows.push(['total', kib(size.bytes), kib(size.gzipBytes)]);
      out.print(formatTable(['module', 'raw', 'gzip'], rows));
    }
    out.print(`wrote ${result.outDir} (Worker '${result.name}', ${result.modelFile.path})`);
    out.print(`run it locally: pnpm edgeml serve --package ${outDir}`);
    return 0;
  },
};
