import { ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import { ZOO_MODEL_NAMES } from './catalog.js';
import type { ZooModelOptions } from './options.js';
import { pytorchInitBound } from './seeded-initializers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CIFAR = { inputShape: [32, 32, 3], numClasses: 10 } as const satisfies ZooModelOptions;

function values(model: tf.LayersModel, layer: string, index: number): Float32Array {
  return model.getLayer(layer).getWeights()[index]!.dataSync() as Float32Array;
}

function maxAbs(v: Float32Array): number {
  return v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

/** Variance about 0 (the distributions are centred): the mean of x^2. */
function meanSquare(v: Float32Array): number {
  return v.reduce((s, x) => s + x * x, 0) / v.length;
}

/**
 * PyTorch's fan_in of a TF.js kernel: kh * kw * cin for Conv2D ([kh, kw, cin, cout]), kh * kw for
 * a depthwise conv (PyTorch weight [cin, 1, kh, kw]), the input width for Dense ([in, out]).
 */
function pytorchFanIn(layer: tf.layers.Layer, kernelShape: readonly number[]): number {
  const type = layer.getClassName();
  if (type === 'Dense') return kernelShape[0]!;
  if (type === 'Conv2D') return kernelShape[0]! * kernelShape[1]! * kernelShape[2]!;
  if (type === 'DepthwiseConv2D') return kernelShape[0]! * kernelShape[1]!;
  throw new Error(`unexpected layer with weights: ${type}`);
}

describe("init: 'pytorch' (PyTorch's Conv2d/Linear default)", () => {
  it('article-cnn: every kernel and bias in [-1/sqrt(fan_in), 1/sqrt(fan_in)] with the uniform variance', () => {
    const model = buildModel('article-cnn', { ...CIFAR, seed: 3, init: 'pytorch' });
    // fan_in as PyTorch counts it: conv 3x3x3, conv 3x3x32, fc 64*8*8, logits 512.
    const fanIns = { conv1: 27, conv2: 288, fc1: 4096, logits: 512 };
    const normalisedBiases: number[] = [];
    for (const [name, fanIn] of Object.entries(fanIns)) {
      const bound = pytorchInitBound(fanIn);
      expect(bound).toBeCloseTo(1 / Math.sqrt(fanIn), 12);
      const kernel = values(model, name, 0);
      const bias = values(model, name, 1);
      expect(maxAbs(kernel)).toBeLessThanOrEqual(bound * (1 + 1e-6));
      // The samples reach close to the bound (a uniform, not a normal squeezed inside it).
      expect(maxAbs(kernel)).toBeGreaterThan(0.95 * bound);
      // Var U(-b, b) = b^2 / 3 = 1 / (3 fan_in); conv1 has the fewest values (864): sd ~3%.
      expect(meanSquare(kernel) / ((bound * bound) / 3)).toBeGreaterThan(0.88);
      expect(meanSquare(kernel) / ((bound * bound) / 3)).toBeLessThan(1.12);
      expect(maxAbs(bias)).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(maxAbs(bias)).toBeGreaterThan(0.5 * bound); // not zeros: PyTorch draws its biases
      for (const b of bias) normalisedBiases.push(b / bound);
    }
    // 618 biases, scaled to U(-1, 1): mean ~0, variance ~1/3.
    const n = normalisedBiases.length;
    const mean = normalisedBiases.reduce((s, x) => s + x, 0) / n;
    const variance = normalisedBiases.reduce((s, x) => s + x * x, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(variance).toBeGreaterThan(0.28);
    expect(variance).toBeLessThan(0.39);
    model.dispose();
  });

  it("has about 1/4.6 of the 'he' kernel variance (1/(3 fan_in) vs TF.js's truncated He normal)", () => {
    // TF.js's heNormal truncates N(0, 2/fan_in) at 2 sd without rescaling: variance 0.7737 * 2 /
    // fan_in = 1.547 / fan_in, 4.64 times PyTorch's 1 / (3 fan_in) (6 times for an untruncated He).
    const he = buildModel('article-cnn', { ...CIFAR, seed: 3 });
    const pt = buildModel('article-cnn', { ...CIFAR, seed: 3, init: 'pytorch' });
    for (const name of ['conv2', 'fc1']) {
      const ratio = meanSquare(values(he, name, 0)) / meanSquare(values(pt, name, 0));
      expect(ratio).toBeGreaterThan(4.3);
      expect(ratio).toBeLessThan(5.0);
    }
    he.dispose();
    pt.dispose();
  });

  for (const name of ZOO_MODEL_NAMES) {
    it(`${name}: every conv, depthwise and dense layer follows PyTorch's bounds`, () => {
      const se = name === 'resnet8' || name === 'mobilenetv2-tiny';
      const model = buildModel(name, { ...CIFAR, seed: 5, init: 'pytorch', ...(se && { se: true }) });
      let checked = 0;
      for (const layer of model.layers) {
        const type = layer.getClassName();
        const weights = layer.getWeights();
        if (type === 'BatchNormalization') {
          // PyTorch's BatchNorm2d starts at gamma 1, beta 0, like Keras.
          expect(Array.from(weights[0]!.dataSync()).every((g) => g === 1)).toBe(true);
          expect(Array.from(weights[1]!.dataSync()).every((b) => b === 0)).toBe(true);
          continue;
        }
        if (weights.length === 0) continue;
        const kernel = weights[0]!;
        const bound = pytorchInitBound(pytorchFanIn(layer, kernel.shape));
        const k = kernel.dataSync() as Float32Array;
        expect(maxAbs(k), `${layer.name} kernel`).toBeLessThanOrEqual(bound * (1 + 1e-6));
        if (k.length >= 500) {
          const r = meanSquare(k) / ((bound * bound) / 3);
          expect(r, `${layer.name} kernel variance / (1/(3 fan_in))`).toBeGreaterThan(0.85);
          expect(r, `${layer.name} kernel variance / (1/(3 fan_in))`).toBeLessThan(1.15);
        }
        if (weights.length > 1) {
          const b = weights[1]!.dataSync() as Float32Array;
          expect(maxAbs(b), `${layer.name} bias`).toBeLessThanOrEqual(bound * (1 + 1e-6));
          expect(maxAbs(b), `${layer.name} bias`).toBeGreaterThan(0);
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(2);
      model.dispose();
    });
  }

  it('is seeded: the same seed gives identical weights, another seed and the he scheme others', () => {
    for (const name of ['article-cnn', 'resnet8', 'mobilenetv2-tiny'] as const) {
      const options = { inputShape: [16, 16, 3] as const, numClasses: 10 };
      const a = buildModel(name, { ...options, seed: 42, init: 'pytorch' });
      const b = buildModel(name, { ...options, seed: 42, init: 'pytorch' });
      const c = buildModel(name, { ...options, seed: 43, init: 'pytorch' });
      const d = buildModel(name, { ...options, seed: 42, init: 'he' });
      const [wa, wb, wc, wd] = [a, b, c, d].map((m) => m.getWeights().map((w) => Array.from(w.dataSync())));
      expect(wb).toEqual(wa);
      expect(wc).not.toEqual(wa);
      expect(wd).not.toEqual(wa);
      for (const m of [a, b, c, d]) m.dispose();
    }
  });

  it('refuses an unknown scheme with a ConfigError naming the allowed ones', () => {
    let error: unknown;
    try {
      buildModel('article-cnn', { ...CIFAR, init: 'xavier' as 'he' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `'init' must be one of 'he' or 'pytorch' (model 'article-cnn'), got "xavier"`,
    );
  });
});

describe("init: 'he' (the default) is unchanged", () => {
  // Sum of |w| of the first weight, of the last kernel and of all weights, seed 7, as the zoo built
  // them before the init option existed (computed at commit ae36f66 with that commit's zoo; the
  // new code gave bit-identical weights for every model there).
  const BEFORE: Record<string, readonly [number, number, number]> = {
    lenet5: [32.516815, 107.20815, 3736.123645],
    'cnn-tiny': [45.452637, 0, 745.59008],
    'cnn-small': [170.58276, 0, 35230.32024],
    'article-cnn': [170.58276, 273.68088, 35038.32024],
    'reference-cnn': [102.88786, 0, 9291.84211],
    resnet8: [86.207222, 0, 5372.083687],
    'resnet8+se': [86.207222, 0, 5782.687718],
    resnet20: [86.207222, 0, 15569.384418],
    'mobilenetv2-tiny': [86.207222, 0, 9870.804441],
    'mobilenetv2-tiny+se': [86.207222, 0, 14286.522385],
  };
  const MNIST_SHAPED = new Set(['lenet5', 'reference-cnn']);

  for (const [key, expected] of Object.entries(BEFORE)) {
    it(`${key} keeps its seeded initial weights`, () => {
      const [name, se] = key.split('+') as [string, string | undefined];
      const inputShape = MNIST_SHAPED.has(name) ? ([28, 28, 1] as const) : ([32, 32, 3] as const);
      const options = { inputShape, numClasses: 10, seed: 7, ...(se && { se: true }) };
      const model = buildModel(name, options);
      const explicit = buildModel(name, { ...options, init: 'he' });
      const sums = model.getWeights().map((w) => tf.tidy(() => tf.abs(w).sum().dataSync()[0]!));
      const got = [sums[0]!, sums.at(-2)!, sums.reduce((s, v) => s + v, 0)];
      got.forEach((v, i) => {
        expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, expected[i]!));
      });
      expect(explicit.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
        model.getWeights().map((w) => Array.from(w.dataSync())),
      );
      model.dispose();
      explicit.dispose();
    });
  }
});
