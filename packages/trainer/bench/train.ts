/**
 * `pnpm bench:train`: trains the reference CNN (and, with --models, zoo models) for a fixed number
 * of steps on each available backend and prints samples/s (median of timed windows after warm-up),
 * ms/step and CPU ms/step. Data is synthetic and seeded, 10 classes, in the shapes of --shapes:
 * Fashion-MNIST (28x28x1) and CIFAR-10 (32x32x3). With --augment, each step first augments the
 * batch as the training loop does (augmentBatch, seeded) and a second table gives the
 * augmentation's own throughput (images/s, no training), so its cost shows beside the step.
 *
 *   pnpm bench:train [--backends wasm,webgpu,tensorflow,cpu] [--models reference,cnn-small,resnet8]
 *                    [--shapes 28x28x1,32x32x3] [--augment none,crop-flip,all]
 *                    [--batch 128] [--steps 10] [--windows 3] [--warmup 3] [--threads N]
 */

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import type { BackendName, SelectedBackend } from '../src/backends/index.js';
import { selectBackend } from '../src/backends/index.js';
import type { Normalization } from '../src/data/dataset.js';
import { augmentBatch, hasAugmentation } from '../src/train/augment.js';
import { type AugmentConfig, DEFAULT_TRAIN_CONFIG } from '../src/train/config.js';
import { buildModel } from '../src/zoo/build-model.js';
import { isZooModelName, ZOO_MODEL_NAMES } from '../src/zoo/catalog.js';

const CLASSES = 10;

/** The augmentations --augment names: torchvision's CIFAR recipe, and it with jitter and cutout. */
const AUGMENTS: Record<string, AugmentConfig> = {
  none: DEFAULT_TRAIN_CONFIG.augment,
  'crop-flip': { ...DEFAULT_TRAIN_CONFIG.augment, randomCropPadding: 4, horizontalFlip: true },
  all: {
    ...DEFAULT_TRAIN_CONFIG.augment,
    randomCropPadding: 4,
    horizontalFlip: true,
    colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4 },
    cutout: 16,
  },
};
const AUGMENT_DOCS: Record<string, string> = {
  none: 'no augmentation',
  'crop-flip': 'random crop (padding 4) + horizontal flip',
  all: 'crop-flip + colour jitter 0.4/0.4/0.4 + cutout 16',
};
/** CIFAR-10's training mean/std (FACTS.md), used for every shape: only the cost is measured. */
const NORMALIZATION: Normalization = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

const { values } = parseArgs({
  options: {
    help: { type: 'boolean' },
    backends: { type: 'string', default: 'tensorflow,webgpu,wasm,cpu' },
    models: { type: 'string', default: 'reference' },
    shapes: { type: 'string', default: '28x28x1,32x32x3' },
    augment: { type: 'string', default: 'none' },
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
      '                 [--shapes 28x28x1,32x32x3] [--augment none,crop-flip,all]\n' +
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
  shape: string;
  augment: string;
  batch: number | string;
  samplesPerSecond: string;
  msPerStep: string;
  cpuMsPerStep: string;
  note: string;
}

type Shape = [number, number, number];
type ModelBuilder = (input: Shape) => Promise<tf.LayersModel>;

/** Builds a zoo model ('reference' is the zoo's 'reference-cnn', the CNN of FACTS.md's speed table). */
function builderFor(name: string): ModelBuilder {
  const zooName = name === 'reference' ? 'reference-cnn' : name;
  return async (input) => buildModel(zooName, { inputShape: input, numClasses: CLASSES, seed: 1 });
}

function parseShape(text: string): Shape {
  const dims = text.split('x').map(Number);
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1) || ![1, 3].includes(dims[2]!))
    throw new Error(`--shapes: '${text}' is not HxWxC with C 1 or 3 (e.g. 32x32x3)`);
  return dims as Shape;
}

/** Seeded synthetic batch, normalised as the loader would normalise uniform pixels. */
function syntheticBatch(input: Shape): Float32Array {
  const rng = new SeededRandom(42);
  const c = input[2];
  return Float32Array.from({ length: batch * input[0] * input[1] * c }, (_, i) => {
    const ch = i % c;
    return (rng.next() - NORMALIZATION.mean[ch]!) / NORMALIZATION.std[ch]!;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median step time of `model` on a synthetic batch of `input`. Without augmentation the batch
 * tensor is made once (as before --augment existed); with it, each step augments the pixels
 * (augmentBatch, seeded) and uploads them as a new tensor, as the training loop does.
 */
async function measure(
  build: ModelBuilder,
  input: Shape,
  augment: AugmentConfig,
  stepsPerWindow: number,
  windowCount: number,
  warm: number,
) {
  const model = await build(input);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const pixels = syntheticBatch(input);
  const fixed = tf.tensor4d(pixels, [batch, ...input]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32', 43), CLASSES));
  const rng = new SeededRandom(7);
  const shape = [batch, ...input] as const;
  const step = async () => {
    if (!hasAugmentation(augment)) return model.trainOnBatch(fixed, y);
    const x = tf.tensor4d(augmentBatch(pixels, shape, augment, rng, NORMALIZATION), [...shape]);
    try {
      return await model.trainOnBatch(x, y);
    } finally {
      x.dispose();
    }
  };
  for (let i = 0; i < warm; i++) await step();
  const windowMs: number[] = [];
  const windowCpuMs: number[] = [];
  for (let w = 0; w < windowCount; w++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < stepsPerWindow; i++) await step();
    windowMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    windowCpuMs.push((cpu.user + cpu.system) / 1000);
  }
  tf.dispose([fixed, y]);
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
    shape: '-',
    augment: '-',
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
const shapes = values.shapes.split(',').map((t) => parseShape(t.trim()));
const augmentNames = values.augment.split(',').map((a) => a.trim());
for (const name of augmentNames) {
  if (AUGMENTS[name] === undefined)
    throw new Error(`--augment: unknown '${name}'; allowed: ${Object.keys(AUGMENTS).join(', ')}`);
}
for (const model of modelNames) {
  const zooName = model === 'reference' ? 'reference-cnn' : model;
  if (!isZooModelName(zooName))
    throw new Error(`--models: unknown '${model}'; the zoo has ${ZOO_MODEL_NAMES.join(', ')}`);
}

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
    for (const input of shapes) {
      for (const augmentName of augmentNames) {
        const augment = AUGMENTS[augmentName]!;
        const result = isCpu
          ? await measure(builder, input, augment, Number(values['cpu-steps']), 1, 1)
          : await measure(builder, input, augment, steps, windows, warmup);
        rows.push({
          backend: selected.name,
          model,
          shape: input.join('x'),
          augment: augmentName,
          batch,
          samplesPerSecond: result.samplesPerSecond.toFixed(result.samplesPerSecond < 10 ? 2 : 0),
          msPerStep: result.msPerStep.toFixed(0),
          cpuMsPerStep: result.cpuMsPerStep.toFixed(0),
          note: isCpu ? `${selected.detail}; 1 window of ${values['cpu-steps']} step(s)` : selected.detail,
        });
      }
    }
  }
}

const header: Row = {
  backend: 'backend',
  model: 'model',
  shape: 'shape',
  augment: 'augment',
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
  `\nsynthetic data (28x28x1: Fashion-MNIST-shaped, 32x32x3: CIFAR-10-shaped), Adam, batch ${batch}; ${warmup} warm-up steps, then the median of ${windows} windows of ${steps} steps`,
);
console.log(
  `augment: ${augmentNames.map((a) => `${a} = ${AUGMENT_DOCS[a]}`).join('; ')} (augmented steps include augmenting and uploading the batch)`,
);
console.log(
  `CPU ms/step: this process's CPU time (all its threads) per step; with one thread it is the work done,\nless disturbed than ms/step by other jobs on the machine. Load average (1, 5, 15 min): ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
if (augmentNames.some((a) => hasAugmentation(AUGMENTS[a]!))) {
  // The augmentation alone, in plain JS on this thread: images per second, no training.
  console.log('\n| shape | augment | augmentation alone, images/s |');
  console.log('|---|---|---|');
  for (const input of shapes) {
    const pixels = syntheticBatch(input);
    const shape = [batch, ...input] as const;
    for (const name of augmentNames.filter((a) => hasAugmentation(AUGMENTS[a]!))) {
      const rng = new SeededRandom(7);
      for (let i = 0; i < 3; i++) augmentBatch(pixels, shape, AUGMENTS[name]!, rng, NORMALIZATION);
      const times: number[] = [];
      for (let w = 0; w < 5; w++) {
        const start = performance.now();
        for (let i = 0; i < 10; i++) augmentBatch(pixels, shape, AUGMENTS[name]!, rng, NORMALIZATION);
        times.push((performance.now() - start) / 10);
      }
      console.log(`| ${input.join('x')} | ${name} | ${Math.round((batch * 1000) / median(times))} |`);
    }
  }
}
process.exit(0);
