/**
 * Interleaved A/B of one of the gradients edgeml installs on the wasm backend against tfjs-core's
 * own, on a training step of a zoo model (tfjs-layers trainOnBatch, SGD, synthetic batch):
 *   pnpm tsx packages/trainer/bench/gradient-ab.ts [--gradient Mean] [--model resnet8] [--input 32x32x3]
 *     [--threads 2] [--batch 128] [--rounds 10] [--steps 5]
 * Each round times `--steps` steps with tfjs-core's gradient, then as many with edgeml's, and
 * prints the ratio of the mean step times; then the median ratio and the range over the rounds.
 */

import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/index.js';
import { originalWasmGradient } from '../src/backends/wasm/gradient-override.js';
import { buildModel } from '../src/zoo/build-model.js';

const { values } = parseArgs({
  options: {
    gradient: { type: 'string', default: 'Mean' },
    model: { type: 'string', default: 'resnet8' },
    input: { type: 'string', default: '32x32x3' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '128' },
    rounds: { type: 'string', default: '10' },
    steps: { type: 'string', default: '5' },
  },
});
const inputShape = values.input.split('x').map(Number) as [number, number, number];
if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
  throw new Error(`--input must be HxWxC (e.g. 32x32x3), got "${values.input}"`);
}
const batch = Number(values.batch);
const steps = Number(values.steps);
await selectBackend('wasm', { threads: Number(values.threads) });
const tfjsGradient = originalWasmGradient(values.gradient);
const edgemlGradient = tf.getGradient(values.gradient);
if (tfjsGradient === undefined || edgemlGradient === undefined) {
  throw new Error(`--gradient ${values.gradient}: edgeml installs no gradient of that name on wasm`);
}

const model = buildModel(values.model, { inputShape, numClasses: 10, seed: 1 });
model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
const x = tf.randomUniform([batch, ...inputShape], 0, 1, 'float32', 42);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 43), 10);
const meanStepMs = async () => {
  const start = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  return (performance.now() - start) / steps;
};
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
// registerGradient replaces the current gradient (tfjs warns that it overrides it).
const quiet = console.warn;
const use = (config: tf.GradConfig) => {
  console.warn = () => {};
  tf.registerGradient(config);
  console.warn = quiet;
};
const ratios: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  use(tfjsGradient);
  const a = await meanStepMs();
  use(edgemlGradient);
  const b = await meanStepMs();
  ratios.push(a / b);
  console.log(
    `round ${round + 1}: tfjs-core ${a.toFixed(0)} ms/step, edgeml ${b.toFixed(0)} ms/step: ${(a / b).toFixed(3)}x`,
  );
}
ratios.sort((p, q) => p - q);
console.log(
  `${values.gradient} gradient, ${values.model} batch ${batch}: edgeml's step ${ratios[ratios.length >> 1]!.toFixed(2)}x faster (median of ${ratios.length} rounds), range [${ratios[0]!.toFixed(2)}, ${ratios.at(-1)!.toFixed(2)}]`,
);
process.exit(0);
