/**
 * `pnpm bench:train`: trains the reference CNN (and, with --models, zoo models) for a fixed number
 * of steps on each available backend and prints samples/s (median of timed windows after warm-up),
 * ms/step and CPU ms/step. Data is synthetic, Fashion-MNIST-shaped (28x28x1, 10 classes), seeded.
 *
 *   pnpm bench:train [--backends wasm,webgpu,tensorflow,cpu] [--models reference,cnn-small,resnet8]
 *                    [--batch 128] [--steps 10] [--windows 3] [--warmup 3] [--threads N]
 */

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { BackendName, SelectedBackend } from '../src/backends/index.js';
import { selectBackend } from '../src/backends/index.js';
import { buildModel } from '../src/zoo/build-model.js';

const INPUT: [number, number, number] = [28, 28, 1];
const CLASSES = 10;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean' },
    backends: { type: 'string', default: 'tensorflow,webgpu,wasm,cpu' },
    models: { type: 'string', default: 'reference' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '10' },
    windows: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string' },
    'cpu-steps': { type: 'string', default: '1' },
  },
});

if (values.help) {
  process.stdout.write(
    'pnpm bench:train [--backends wasm,webgpu,tensorflow,cpu] [--models reference,cnn-small,resnet8]\n' +
      '                 [--batch 128] [--steps 10] [--windows 3] [--warmup 3] [--threads N] [--cpu-steps 1]\n',
  );
  process.exit(0);
}
const batch = Number(values.batch);
const steps = Number(values.steps);
const windows = Number(values.windows);
const warmup = Number(values.warmup);
const threads = values.threads !== undefined ? Number(values.threads) : undefined;

interface Row {
  backend: string;
  model: string;
  batch: number | string;
  samplesPerSecond: string;
  msPerStep: string;
  cpuMsPerStep: string;
  note: string;
}

type ModelBuilder = () => Promise<tf.LayersModel>;

/** Builds a zoo model ('reference' is the zoo's 'reference-cnn', the CNN of FACTS.md's speed table). */
function builderFor(name: string): ModelBuilder {
  const zooName = name === 'reference' ? 'reference-cnn' : name;
  return async () => buildModel(zooName, { inputShape: INPUT, numClasses: CLASSES, seed: 1 });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(build: ModelBuilder, stepsPerWindow: number, windowCount: number, warm: number) {
  const model = await build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([batch, ...INPUT], 0, 1, 'float32', 42);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32', 43), CLASSES));
  for (let i = 0; i < warm; i++) await model.trainOnBatch(x, y);
  const windowMs: number[] = [];
  const windowCpuMs: number[] = [];
  for (let w = 0; w < windowCount; w++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < stepsPerWindow; i++) await model.trainOnBatch(x, y);
    windowMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    windowCpuMs.push((cpu.user + cpu.system) / 1000);
  }
  tf.dispose([x, y]);
  model.dispose();
  const ms = median(windowMs) / stepsPerWindow;
  return {
    samplesPerSecond: (batch * 1000) / ms,
    msPerStep: ms,
    cpuMsPerStep: median(windowCpuMs) / stepsPerWindow,
  };
}

const rows: Row[] = [];
const skipRow = (backend: string, model: string, note: string) =>
  rows.push({
    backend,
    model,
    batch: '-',
    samplesPerSecond: '-',
    msPerStep: '-',
    cpuMsPerStep: '-',
    note: `skipped: ${note}`,
  });

const modelNames = values.models
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);
// Unknown names fail here, before any backend starts (buildModel's ConfigError lists the zoo).
const builders = new Map<string, ModelBuilder>(modelNames.map((name) => [name, builderFor(name)]));

for (const backendName of values.backends.split(',').map((b) => b.trim()) as BackendName[]) {
  let selected: SelectedBackend;
  try {
    selected = await selectBackend(backendName, threads !== undefined ? { threads } : {});
  } catch (error) {
    skipRow(backendName, '*', (error as Error).message.replace(/^backend '[^']+' is not available: /, ''));
    continue;
  }
  console.error(`[bench:train] ${selected.name}: ${selected.detail}`);
  const isCpu = selected.name === 'cpu';
  for (const [model, builder] of builders) {
    const result = isCpu
      ? await measure(builder, Number(values['cpu-steps']), 1, 1)
      : await measure(builder, steps, windows, warmup);
    rows.push({
      backend: selected.name,
      model,
      batch,
      samplesPerSecond: result.samplesPerSecond.toFixed(result.samplesPerSecond < 10 ? 2 : 0),
      msPerStep: result.msPerStep.toFixed(0),
      cpuMsPerStep: result.cpuMsPerStep.toFixed(0),
      note: isCpu ? `${selected.detail}; 1 window of ${values['cpu-steps']} step(s)` : selected.detail,
    });
  }
}

const header: Row = {
  backend: 'backend',
  model: 'model',
  batch: 'batch',
  samplesPerSecond: 'samples/s',
  msPerStep: 'ms/step',
  cpuMsPerStep: 'CPU ms/step',
  note: 'note',
};
const cols = Object.keys(header) as (keyof Row)[];
const widths = cols.map((c) => Math.max(...[header, ...rows].map((r) => String(r[c]).length)));
const line = (r: Row) => `| ${cols.map((c, i) => String(r[c]).padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  `\nsynthetic Fashion-MNIST-shaped data, Adam, batch ${batch}; ${warmup} warm-up steps, then the median of ${windows} windows of ${steps} steps`,
);
console.log(
  `CPU ms/step: this process's CPU time (all its threads) per step; with one thread it is the work done,\nless disturbed than ms/step by other jobs on the machine. Load average (1, 5, 15 min): ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
process.exit(0);
