/**
 * `pnpm tsx scripts/make-example-model.ts --from QUANTIZED_PACKAGE --out examples/models/NAME`:
 * writes the int8-only model package committed under examples/models/ (what the demo page, the
 * Worker example and the mobile snippets serve without training) from a package written by
 * `edgeml quantize --eval 10000` (optionally compiled by `edgeml compile --precision int8`).
 *
 * Kept: labels, model.int8.onnx, model.int8.tflite and, when present, the compiled int8 module
 * (model.int8.wasm + model.int8.js). Dropped: the float TF.js weights, the summaries, the reports.
 * The manifest's metrics become the int8 accuracies that `edgeml quantize` measured on the whole
 * test split in each runtime (refused unless it evaluated every test image), and a lineage step
 * names the source package by the SHA-256 of its manifest.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  createLineageStep,
  EDGEML_VERSION,
  type MetricValue,
  type ModelFileInput,
  sha256Hex,
} from '../packages/core/src/index.js';
import { readModelPackageDir, writeModelPackage } from '../packages/core/src/node.js';

/** The quantize report's runtime names → the metric keys of the example package. */
const RUNTIME_METRICS: Readonly<Record<string, { key: string; file: string }>> = {
  'onnxruntime-node': { key: 'test_accuracy', file: 'model.int8.onnx' },
  'onnxruntime-web (wasm)': { key: 'test_accuracy_onnxruntime_web', file: 'model.int8.onnx' },
  'tfjs-tflite': { key: 'test_accuracy_tflite', file: 'model.int8.tflite' },
};

/** Files carried into the example package (the compiled module only when the source has it). */
const REQUIRED = ['labels.txt', 'model.int8.onnx', 'model.int8.tflite'];
const OPTIONAL = ['model.int8.wasm', 'model.int8.js'];

interface AccuracyRow {
  readonly runtime: string;
  readonly float: number;
  readonly int8: number;
  readonly top1Agreement: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string' } } });
  if (!values.from || !values.out) {
    throw new ConfigError('usage: make-example-model.ts --from QUANTIZED_PACKAGE --out DIR', {
      option: 'from',
    });
  }
  const source = await readModelPackageDir(values.from);
  const { manifest } = source;
  const report = JSON.parse(await readFile(join(values.from, 'report.json'), 'utf8')) as {
    evalImages: number;
    accuracy: AccuracyRow[];
  };
  const testImages = manifest.data?.splitSizes?.test;
  if (typeof testImages !== 'number' || report.evalImages !== testImages) {
    throw new ConfigError(
      `the quantize report was measured on ${report.evalImages} test images; the example's metrics must come from the whole test split (${String(testImages)}): rerun edgeml quantize with --eval ${String(testImages)}`,
      { option: 'from' },
    );
  }

  const metrics: Record<string, MetricValue> = {};
  for (const row of report.accuracy) {
    const target = RUNTIME_METRICS[row.runtime];
    if (!target) continue;
    metrics[target.key] = { value: row.int8, split: 'test', samples: report.evalImages, file: target.file };
    if (row.runtime === 'onnxruntime-node') {
      metrics['test_accuracy_float32'] = { value: row.float, split: 'test', samples: report.evalImages };
    }
  }
  for (const { key } of Object.values(RUNTIME_METRICS)) {
    if (!(key in metrics))
      throw new ConfigError(`the quantize report has no row for metric ${key}`, { option: 'from' });
  }

  const present = new Set(manifest.files.map((f) => f.path));
  const missing = REQUIRED.filter((path) => !present.has(path));
  if (missing.length > 0) {
    throw new ConfigError(
      `${values.from} lacks ${missing.join(', ')}: quantize it with edgeml quantize first`,
      {
        option: 'from',
      },
    );
  }
  const kept = [...REQUIRED, ...OPTIONAL.filter((path) => present.has(path))];
  const files: ModelFileInput[] = [];
  for (const path of kept) {
    const entry = manifest.files.find((f) => f.path === path);
    if (!entry) continue;
    files.push({
      path,
      bytes: new Uint8Array(await readFile(join(values.from, path))),
      format: entry.format,
      ...(entry.precision && { precision: entry.precision }),
      ...(entry.role && { role: entry.role }),
      ...(entry.inputLayout && { inputLayout: entry.inputLayout }),
      ...(entry.inputDtype && { inputDtype: entry.inputDtype }),
      ...(entry.runtimes && { runtimes: entry.runtimes }),
    });
  }

  const { files: _files, metrics: _metrics, lineage, schemaVersion: _version, ...rest } = manifest;
  const step = createLineageStep({
    kind: 'command',
    name: 'make-example-model',
    config: { from: relative(process.cwd(), values.from), kept },
    inputs: [
      {
        name: manifest.name,
        sha256: await sha256Hex(new Uint8Array(await readFile(join(values.from, 'manifest.json')))),
        kind: 'manifest',
      },
    ],
    outputs: kept,
    toolVersion: EDGEML_VERSION,
  });
  const written = await writeModelPackage(values.out, {
    manifest: { ...rest, metrics, lineage: [...lineage, step] },
    files,
  });
  const bytes = written.files.reduce((sum, f) => sum + f.bytes, 0);
  process.stdout.write(
    `${values.out}: ${written.files.map((f) => `${f.path} (${f.bytes} B)`).join(', ')}; ${(bytes / 1024).toFixed(1)} KiB\n`,
  );
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value !== 'number') process.stdout.write(`  ${key}: ${(value.value * 100).toFixed(2)}%\n`);
  }
}

await main();
