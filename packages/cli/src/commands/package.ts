/**
 * `edgeml package`: turns a model package into a deployable target. `--target worker` writes a
 * self-contained Wrangler project (Hono app, onnxruntime-web, the model) and reports its raw and
 * gzip size from `wrangler deploy --dry-run`; above 3 MB gzip it warns, above 10 MB it fails unless
 * --force. `--target web` writes a static site (ES module on onnxruntime-web, WebGPU or
 * WebAssembly, and a demo page) and reports each file's size; `--target mobile` writes the
 * `.tflite` files, labels.txt, metadata.json and a README for Android and iOS apps.
 */
import { packageMobile, packageWeb, packageWorker } from '@edgeml/runtime-edge/node';
import type { Command, OptionValues } from '../command.js';
import { choiceOption, optionalInt, stringOption } from '../options.js';
import type { Output } from '../output.js';
import { formatTable } from '../output.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const TARGETS = ['worker', 'web', 'mobile'] as const;

async function packageWebTarget(values: OptionValues, out: Output, modelDir: string, outDir: string) {
  const precision = choiceOption(values, 'precision', ['float32', 'int8'], 'float32');
  out.note(`packaging ${modelDir} as a web page + ES module (onnxruntime-web)`);
  const result = await packageWeb(modelDir, outDir, { precision, webgpu: values['wasm-only'] !== true });
  if (out.json) {
    out.printJson(result);
    return 0;
  }
  const rows = result.files.map((f) => [f.path, kib(f.bytes), kib(f.gzipBytes)]);
  rows.push(['page without WebGPU', kib(result.wasmPageBytes.bytes), kib(result.wasmPageBytes.gzipBytes)]);
  out.print(formatTable(['file', 'raw', 'gzip'], rows));
  out.print(`wrote ${result.outDir} (${result.modelFile.path}; backends ${result.backends.join(', ')})`);
  out.print(`try it: npx serve ${outDir}  (or python3 -m http.server -d ${outDir}), then open index.html`);
  return 0;
}

async function packageMobileTarget(out: Output, modelDir: string, outDir: string) {
  out.note(`packaging ${modelDir} for mobile apps (.tflite, checked in tfjs-tflite)`);
  const result = await packageMobile(modelDir, outDir);
  for (const warning of result.warnings) out.note(`warning: ${warning}`);
  if (out.json) {
    out.printJson(result);
    return 0;
  }
  out.print(
    formatTable(
      ['model', 'precision', 'size'],
      result.models.map((m) => [m.path, m.precision, kib(m.bytes)]),
    ),
  );
  out.print(`wrote ${result.outDir}: ${result.files.join(', ')}`);
  return 0;
}

export const packageCommand: Command = {
  name: 'package',
  summary: 'package a model for a deployment target (Cloudflare Worker, web page, mobile app)',
  examples: [
    'pnpm edgeml package --model runs/teacher-export --target worker --out dist/worker',
    'pnpm edgeml package --model runs/teacher-export --target worker --precision int8 --cors "*" --out dist/worker',
    'pnpm edgeml package --model runs/teacher-export --target web --out dist/web',
    'pnpm edgeml package --model runs/teacher-int8 --target mobile --out dist/mobile',
  ],
  options: {
    model: {
      type: 'string',
      placeholder: 'DIR',
      description: 'model package (an ONNX file for worker/web, .tflite files for mobile)',
    },
    target: {
      type: 'string',
      placeholder: 'worker|web|mobile',
      description: "deployment target: 'worker', 'web' or 'mobile'",
      default: 'worker',
    },
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'directory to write (default: dist/<target>)',
    },
    precision: {
      type: 'string',
      placeholder: 'float32|int8',
      description: 'worker/web: model variant to serve (mobile ships every .tflite variant)',
      default: 'float32',
    },
    'wasm-only': {
      type: 'boolean',
      description: "web: leave out ORT's WebGPU build (27 MB .wasm); pages run on WebAssembly",
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
    const target = choiceOption(values, 'target', TARGETS, 'worker');
    const modelDir = stringOption(values, 'model');
    const outDir = stringOption(values, 'out', `dist/${target}`);
    if (target === 'web') return packageWebTarget(values, out, modelDir, outDir);
    if (target === 'mobile') return packageMobileTarget(out, modelDir, outDir);
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
