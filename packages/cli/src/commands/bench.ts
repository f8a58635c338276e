/**
 * `edgeml bench`: model packages × precisions × targets (ort-node, ort-web, edgeml-wasm, tflite,
 * tfjs-wasm, tfjs-cpu, worker, worker-edgeml-wasm, chromium, chromium-edgeml-wasm, ...): cold start, latency, throughput, memory, size and accuracy, written
 * to report.json (schema-checked), report.md and report.html, with the tables printed.
 */
import { resolve } from 'node:path';
import {
  BENCH_OPTIONS,
  type BenchPrecision,
  parseTargetNames,
  reportTables,
  runBench,
  writeBenchReport,
} from '@edgeml/bench';
import { ConfigError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import type { Command, OptionSpec } from '../command.js';
import { datasetOverride } from '../dataset-from-options.js';
import { declaredOptions, flagsOf, intOption, MODEL_DATASET_OPTIONS, stringOption } from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay } from '../progress.js';

function precisions(raw: string): BenchPrecision[] {
  const values = raw.split(',').map((s) => s.trim());
  for (const v of values) {
    if (v !== 'float32' && v !== 'int8') {
      throw new ConfigError(`--precision must list 'float32' and/or 'int8', got '${v}'`, {
        option: 'precision',
      });
    }
  }
  return values as BenchPrecision[];
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark model packages on every runtime and target; write report.json/.md/.html',
  examples: [
    'pnpm edgeml bench --models runs/a,runs/b --targets ort-node,ort-web,tflite,worker,chromium --out reports/bench',
    'pnpm edgeml bench --models runs/cnn-small-export --targets ort-node --images 1000 --time-ms 5000',
    'pnpm edgeml bench --models runs/cnn-small-wasm --targets wasm-runtimes --precision float32,int8',
  ],
  options: {
    models: { type: 'string', placeholder: 'DIRS', description: 'comma-separated model package directories' },
    targets: {
      type: 'string',
      placeholder: 'LIST',
      description:
        "ort-node, ort-web, edgeml-wasm, tflite, litert, tfjs-wasm, tfjs-cpu ('tfjs' = both), worker, worker-edgeml-wasm, chromium, chromium-edgeml-wasm, chromium-webgpu, chromium-litert, chromium-tflite ('wasm-runtimes' = onnxruntime-web and the compiled module in Node, the Worker and Chromium)",
      default: 'ort-node,ort-web,tflite,tfjs,worker,chromium',
    },
    precision: {
      type: 'string',
      placeholder: 'LIST',
      description:
        "float32,int8 (a precision a target's file is missing for gives a skipped row naming the missing file)",
      default: 'float32,int8',
    },
    out: { type: 'string', placeholder: 'DIR', description: 'report directory', default: 'reports/bench' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the image subset', default: '0' },
    dataset: {
      type: 'string',
      placeholder: 'NAME',
      description:
        'data set of the test images (default: the one the models were trained on; every model must match it)',
    },
    'data-dir': MODEL_DATASET_OPTIONS['data-dir'] as OptionSpec,
    ...flagsOf(BENCH_OPTIONS),
  },
  async run(values, out) {
    const settings = declaredOptions(BENCH_OPTIONS, values, 'bench');
    const models = stringOption(values, 'models')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const targets = parseTargetNames(
      stringOption(values, 'targets', 'ort-node,ort-web,tflite,tfjs,worker,chromium'),
    );
    const outDir = resolve(stringOption(values, 'out', 'reports/bench'));
    // The models' own data set unless --dataset/--data-dir name another; --seed is the subset's seed here.
    const [first] = models;
    const dataset =
      first === undefined
        ? undefined
        : datasetOverride(
            { dataset: values['dataset'], 'data-dir': values['data-dir'] },
            (await readModelPackageDir(first)).manifest,
          );
    const progress = createProgressDisplay(out, { logIntervalMs: 2000 });
    let report: Awaited<ReturnType<typeof runBench>>;
    try {
      report = await runBench({
        models,
        targets,
        precisions: precisions(stringOption(values, 'precision', 'float32,int8')),
        ...settings,
        ...(dataset !== undefined && { dataset }),
        seed: intOption(values, 'seed', { min: 0, fallback: 0 }),
        onProgress: progress.onProgress,
        onCase: (row) =>
          out.note(
            `${row.model} ${row.precision} ${row.target}: ${row.status}${row.status === 'skipped' ? ` (${row.reason})` : row.status === 'errored' ? ` (${row.message.split('\n')[0]})` : ''}`,
          ),
      });
    } finally {
      progress.stop();
    }
    const files = await writeBenchReport(report, outDir);
    if (out.json) {
      out.printJson({ out: outDir, files, cases: report.cases.length });
      return 0;
    }
    for (const table of reportTables(report)) {
      out.print(table.title);
      out.print(formatTable(table.header, table.rows));
      out.print();
    }
    out.print(`wrote ${files.json}, ${files.markdown}, ${files.html}`);
    return report.cases.some((c) => c.status === 'errored') ? 1 : 0;
  },
};
