/**
 * Per-kernel profile of one training step of a zoo model on the wasm backend (tf.profile):
 *   pnpm tsx packages/trainer/bench/profile.ts [--model reference-cnn] [--input 28x28x1] [--threads N] [--batch 128]
 * (e.g. `--model resnet8 --input 32x32x3 --threads 2` for the CIFAR-10 ResNet-8).
 * Prints the median step time of 8 steps and kernel time grouped by kernel name (each call's median
 * over 5 profiled steps), then the 15 slowest kernel calls (of `--kernel NAME` only, if given)
 * with their shapes.
 */

import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/index.js';
import { buildModel } from '../src/zoo/build-model.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '128' },
    kernel: { type: 'string' },
    model: { type: 'string', default: 'reference-cnn' },
    input: { type: 'string', default: '28x28x1' },
  },
});
const batch = Number(values.batch);
const inputShape = values.input.split('x').map(Number) as [number, number, number];
if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
  throw new Error(`--input must be HxWxC (e.g. 32x32x3), got "${values.input}"`);
}
const selected = await selectBackend('wasm', { threads: Number(values.threads) });
console.log(selected.detail);
const model = buildModel(values.model, { inputShape, numClasses: 10, seed: 1 });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const x = tf.randomUniform([batch, ...inputShape], 0, 1, 'float32', 42);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 43), 10);
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const times: number[] = [];
for (let i = 0; i < 8; i++) {
  const start = performance.now();
  await model.trainOnBatch(x, y);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const median = times[times.length >> 1]!;
console.log(
  `step ms (sorted): ${times.map((t) => t.toFixed(0)).join(' ')}; median ${median.toFixed(0)} = ${((batch * 1000) / median).toFixed(0)} samples/s`,
);
// Kernel times vary with the machine's load: profile several steps, keep each kernel's median.
const profiles: Awaited<ReturnType<typeof tf.profile>>[] = [];
const overheads: number[] = [];
for (let i = 0; i < 5; i++) {
  const start = performance.now();
  const p = await tf.profile(async () => {
    await model.trainOnBatch(x, y);
  });
  const wall = performance.now() - start;
  overheads.push(wall - p.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0));
  profiles.push(p);
}
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  `outside kernels (JS of tfjs-layers/core, tape, profiler) per profiled step: median ${medianOf(overheads).toFixed(0)} ms`,
);
const byName = new Map<string, { ms: number; calls: number }>();
for (const [i, k] of profiles[0]!.kernels.entries()) {
  const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += medianOf(profiles.map((p) => (p.kernels[i]?.kernelTimeMs as number | undefined) ?? 0));
  entry.calls++;
  byName.set(k.name, entry);
}
const profile = profiles[0]!;
for (const [i, k] of profile.kernels.entries()) {
  k.kernelTimeMs = medianOf(profiles.map((p) => (p.kernels[i]?.kernelTimeMs as number | undefined) ?? 0));
}
const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
console.log(
  `kernel time ${rows.reduce((s, r) => s + r[1].ms, 0).toFixed(0)} ms in ${profile.kernels.length} calls`,
);
for (const [name, e] of rows.slice(0, 20))
  console.log(`${name.padEnd(36)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(4)} calls`);
const slowest = [...profile.kernels]
  .filter((k) => values.kernel === undefined || k.name === values.kernel)
  .sort((a, b) => (b.kernelTimeMs as number) - (a.kernelTimeMs as number))
  .slice(0, 15);
for (const k of slowest)
  console.log(
    `${(k.kernelTimeMs as number).toFixed(1).padStart(7)} ${k.name} ${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`,
  );
process.exit(0);
