/**
 * Small TF.js models for the optimizer's tests, built from the same layer types and patterns as the
 * trainer's zoo (conv + BN + ReLU, residual adds with projections, squeeze-and-excitation multiply,
 * MobileNetV2 inverted residuals with ReLU6, dropout, a `logits` dense and a `probs` softmax), plus a
 * seeded re-initialisation that perturbs BatchNorm statistics so folding them matters.
 * Test fixtures only: not exported from the package.
 */

import { SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

type Sym = tf.SymbolicTensor;

let counter = 0;
const unique = (base: string) => `${base}_${counter++}`;

function convBn(
  x: Sym,
  filters: number,
  kernel: number,
  strides: number,
  act: 'relu' | 'relu6' | 'linear',
  name: string,
): Sym {
  let y = tf.layers
    .conv2d({ name, filters, kernelSize: kernel, strides, padding: 'same', useBias: false })
    .apply(x) as Sym;
  y = tf.layers.batchNormalization({ name: `${name}_bn`, epsilon: 1e-5 }).apply(y) as Sym;
  if (act === 'linear') return y;
  return tf.layers
    .reLU({ name: `${name}_${act}`, ...(act === 'relu6' ? { maxValue: 6 } : {}) })
    .apply(y) as Sym;
}

function se(x: Sym, name: string): Sym {
  const c = x.shape[3] as number;
  let s = tf.layers.globalAveragePooling2d({ name: `${name}_squeeze` }).apply(x) as Sym;
  s = tf.layers
    .dense({ name: `${name}_reduce`, units: Math.max(1, c >> 2), activation: 'relu' })
    .apply(s) as Sym;
  s = tf.layers.dense({ name: `${name}_expand`, units: c }).apply(s) as Sym;
  s = tf.layers.activation({ name: `${name}_gate`, activation: 'sigmoid' }).apply(s) as Sym;
  s = tf.layers.reshape({ name: `${name}_reshape`, targetShape: [1, 1, c] }).apply(s) as Sym;
  return tf.layers.multiply({ name: `${name}_scale` }).apply([x, s]) as Sym;
}

function head(x: Sym, numClasses: number): Sym {
  const logits = tf.layers.dense({ name: 'logits', units: numClasses }).apply(x) as Sym;
  return tf.layers.activation({ name: 'probs', activation: 'softmax' }).apply(logits) as Sym;
}

/** LeNet-like sequential CNN: conv (fused relu) + avg pool, conv + max pool, flatten, dense, dropout, logits, probs. */
export function standInLenet(inputShape: [number, number, number] = [28, 28, 1]): tf.LayersModel {
  const model = tf.sequential({ name: unique('lenet') });
  model.add(tf.layers.conv2d({ inputShape, filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 32, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10, name: 'logits' }));
  model.add(tf.layers.activation({ activation: 'softmax', name: 'probs' }));
  return model;
}

/** A ResNet-8-like functional model with projection shortcuts, optional SE and zero padding. */
export function standInResnet(
  inputShape: [number, number, number] = [28, 28, 1],
  withSe = true,
): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = tf.layers
    .zeroPadding2d({
      name: 'pad',
      padding: [
        [1, 1],
        [1, 1],
      ],
    })
    .apply(input) as Sym;
  x = convBn(x, 8, 3, 1, 'relu', 'stem');
  for (const [i, filters] of [8, 16, 24].entries()) {
    const strides = i === 0 ? 1 : 2;
    const name = `stage${i}`;
    let y = convBn(x, filters, 3, strides, 'relu', `${name}_conv1`);
    y = convBn(y, filters, 3, 1, 'linear', `${name}_conv2`);
    if (withSe) y = se(y, `${name}_se`);
    const shortcut =
      strides !== 1 || (x.shape[3] as number) !== filters
        ? convBn(x, filters, 1, strides, 'linear', `${name}_proj`)
        : x;
    x = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym;
    x = tf.layers.reLU({ name: `${name}_out_relu` }).apply(x) as Sym;
  }
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  return tf.model({ name: unique('resnet'), inputs: input, outputs: head(x, 10) });
}

/** A MobileNetV2-like model: inverted residuals with depthwise convs, ReLU6, a concat and flatten. */
export function standInMobilenet(inputShape: [number, number, number] = [28, 28, 1]): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = convBn(input, 8, 3, 2, 'relu6', 'stem');
  for (const [i, [expansion, filters, strides]] of [
    [1, 8, 1],
    [4, 16, 2],
    [4, 16, 1],
  ].entries()) {
    const name = `block${i}`;
    const cin = x.shape[3] as number;
    let y = expansion === 1 ? x : convBn(x, cin * expansion!, 1, 1, 'relu6', `${name}_expand`);
    y = tf.layers
      .depthwiseConv2d({
        name: `${name}_dw`,
        kernelSize: 3,
        strides: strides!,
        padding: 'same',
        useBias: false,
      })
      .apply(y) as Sym;
    y = tf.layers.batchNormalization({ name: `${name}_dw_bn`, epsilon: 1e-3 }).apply(y) as Sym;
    y = tf.layers.reLU({ name: `${name}_dw_relu6`, maxValue: 6 }).apply(y) as Sym;
    y = convBn(y, filters!, 1, 1, 'linear', `${name}_project`);
    x = strides === 1 && cin === filters ? (tf.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym) : y;
  }
  const pooled = tf.layers
    .maxPooling2d({ name: 'pool', poolSize: 3, strides: 2, padding: 'same' })
    .apply(x) as Sym;
  const a = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  const b = tf.layers.flatten({ name: 'flat' }).apply(pooled) as Sym;
  let z = tf.layers.concatenate({ name: 'concat' }).apply([a, b]) as Sym;
  z = tf.layers.dropout({ name: 'drop', rate: 0.2 }).apply(z) as Sym;
  return tf.model({ name: unique('mobilenet'), inputs: input, outputs: head(z, 10) });
}

/**
 * Re-initialises every weight from a seeded normal distribution (He-scaled kernels, small biases)
 * and moves BatchNorm statistics away from identity (gamma in [0.5, 1.5], beta and mean about
 * +-0.2, variance in [0.5, 2]), so that a model's outputs depend on every folded parameter.
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rng = new SeededRandom(seed);
  for (const layer of model.layers) {
    const values = layer.getWeights();
    if (values.length === 0) continue;
    const next = layer.weights.map((w, i) => {
      const shape = values[i]!.shape;
      const size = values[i]!.size;
      const suffix = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const data = new Float32Array(size);
      const fanIn = shape.length >= 2 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      for (let k = 0; k < size; k++) {
        const u = rng.next();
        if (suffix.startsWith('gamma')) data[k] = 0.5 + u;
        else if (suffix.startsWith('moving_variance')) data[k] = 0.5 + 1.5 * u;
        else if (suffix.startsWith('beta') || suffix.startsWith('moving_mean') || suffix.startsWith('bias')) {
          data[k] = 0.4 * (u - 0.5);
        } else if (suffix.startsWith('depthwise'))
          data[k] = rng.normal() * Math.sqrt(2 / (shape[0]! * shape[1]!));
        else data[k] = rng.normal() * Math.sqrt(2 / fanIn);
      }
      return tf.tensor(data, shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
  }
}

/** `n` seeded images, NHWC, roughly normalised (uniform in [-1, 2)). */
export function randomImages(n: number, shape: readonly [number, number, number], seed: number): tf.Tensor4D {
  const rng = new SeededRandom(seed);
  const data = new Float32Array(n * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = 3 * rng.next() - 1;
  return tf.tensor4d(data, [n, ...shape]);
}

/**
 * Rescales the `logits` layer so that its outputs have standard deviation `targetStd` on seeded
 * random images: random deep nets otherwise saturate the softmax (probabilities of exactly 0 and
 * 1), which would make a parity check on probabilities meaningless.
 */
export function calibrateLogits(model: tf.LayersModel, targetStd = 3, seed = 0): void {
  const layer = model.getLayer('logits');
  const probe = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const x = randomImages(16, shape, seed);
  const logits = probe.predict(x) as tf.Tensor;
  const std = tf.moments(logits).variance.sqrt().dataSync()[0]!;
  const factor = std > 0 ? targetStd / std : 1;
  const scaled = layer.getWeights().map((w) => tf.mul(w, factor));
  layer.setWeights(scaled);
  tf.dispose([x, logits, ...scaled]);
}
