/**
 * `edgeml pipeline`: every stage from one config (a preset, a JSON file over it): train the
 * teacher, distil the student, prune, int8 PTQ, export ONNX/TFLite/TF.js, package worker/web/
 * mobile, bench, report. Resumable: a rerun reuses each stage whose (config, inputs) hash matches.
 */
import { join } from 'node:path';
import { ConfigError, formatAllowed } from '@edgeml/core';
import { writeFileAtomic } from '@edgeml/core/node';
import {
  GATED_PASSES,
  loadPipelineConfig,
  PIPELINE_CONFIG_SCHEMA,
  type PipelineReport,
  PRESET_NAMES,
  runPipeline,
} from '@edgeml/pipeline';
import type { Command } from '../command.js';
import { choiceOption, optionalString } from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay, formatDuration } from '../progress.js';

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: 'train, distil, prune, quantise, export, package, bench and report from one config',
  examples: [
    'pnpm edgeml pipeline --preset quick --out runs/pipeline',
    'pnpm edgeml pipeline --config edgeml.config.json',
    'pnpm edgeml pipeline --preset quick --force-pass quantize',
    'pnpm edgeml pipeline --write-schema edgeml.config.schema.json',
  ],
  options: {
    config: {
      type: 'string',
      placeholder: 'FILE',
      description: 'pipeline config JSON (edgeml.config.schema.json documents it), merged over the preset',
    },
    preset: {
      type: 'string',
      placeholder: 'NAME',
      description:
        "'quick' (Fashion-MNIST, 2-core CPU, ~15 min), 'cifar10' (resnet8 teacher on CIFAR-10, 2-core CPU, 37 min measured) or 'full' (GPU or a long CPU run)",
      default: 'quick',
    },
    out: { type: 'string', placeholder: 'DIR', description: "run directory (overrides the config's out)" },
    'force-pass': {
      type: 'string',
      placeholder: 'NAME[,NAME]',
      description: `keep these passes even when they do not pay (${GATED_PASSES.join(', ')}; added to objective.forcePasses)`,
    },
    'write-schema': {
      type: 'string',
      placeholder: 'FILE',
      description: "write the config's JSON Schema to FILE and exit",
    },
  },
  async run(values, out) {
    const schemaFile = optionalString(values, 'write-schema');
    if (schemaFile !== undefined) {
      await writeFileAtomic(schemaFile, `${JSON.stringify(PIPELINE_CONFIG_SCHEMA, null, 2)}\n`);
      out.print(`wrote ${schemaFile}`);
      return 0;
    }
    const preset = choiceOption(values, 'preset', PRESET_NAMES, 'quick');
    const forced = optionalString(values, 'force-pass')
      ?.split(',')
      .map((s) => s.trim());
    for (const name of forced ?? [])
      if (!(GATED_PASSES as readonly string[]).includes(name))
        throw new ConfigError(
          `--force-pass must name passes from ${formatAllowed(GATED_PASSES)}, got '${name}'`,
          {
            option: 'force-pass',
            allowed: GATED_PASSES,
          },
        );
    const config = await loadPipelineConfig(
      preset,
      optionalString(values, 'config'),
      optionalString(values, 'out'),
    );
    if (forced !== undefined)
      config.objective.forcePasses = [
        ...new Set([...config.objective.forcePasses, ...forced]),
      ] as typeof config.objective.forcePasses;
    const result = await runPipeline(config, {
      note: (line) => out.note(line),
      progress: () => createProgressDisplay(out),
    });
    const { readFile } = await import('node:fs/promises');
    const reportDir = join(result.runDir, 'report');
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as PipelineReport;
    const reusedCount = result.stages.filter((s) => s.reused).length;
    if (out.json) {
      out.printJson({
        runDir: result.runDir,
        wallS: result.wallS,
        stages: result.stages.map((s) => ({ stage: s.stage, reused: s.reused, durationS: s.durationS })),
        report,
      });
      return 0;
    }
    out.print(
      formatTable(
        ['stage', 'model', 'params', 'MACs', 'ONNX bytes', 'accuracy', 'ort-node ms'],
        report.models.map((m) => [
          m.stage,
          m.model,
          m.nonzeroParams,
          m.macs,
          m.onnxBytes,
          `${(m.accuracy * 100).toFixed(2)}%`,
          m.latencyMs['ort-node'] === undefined ? '-' : m.latencyMs['ort-node'].toFixed(3),
        ]),
      ),
    );
    for (const g of report.gates)
      out.print(
        `${g.pass}: ${g.kept ? (g.forced ? 'kept (forced)' : 'kept') : 'rejected'}${g.speedup === null ? '' : ` (${g.target} ${g.speedup.toFixed(2)}x [${g.low?.toFixed(2) ?? '-'}, ${g.high?.toFixed(2) ?? '-'}])`}: ${g.reasons[0] ?? ''}`,
      );
    out.print(`final model: ${report.final}`);
    out.print(`Pareto front (accuracy vs size): ${report.pareto.size.join(' -> ')}`);
    out.print(
      `${result.stages.length} stages, ${reusedCount} reused; ${formatDuration(result.wallS)} in all; report: ${join(reportDir, 'report.md')}, report.html`,
    );
    return 0;
  },
};
