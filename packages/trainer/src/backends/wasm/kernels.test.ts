import { SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupWasmBackend } from './setup.js';

type Case = {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
};

const rng = new SeededRandom(7);
const pick = <T>(values: readonly T[]): T => values[Math.floor(rng.next() * values.length)]!;

const fixed: Case[] = [
  { n: 2, h: 7, w: 7, cin: 3, cout: 4, k: 3, stride: 1, pad: 'same' },
  { n: 3, h: 8, w: 9, cin: 2, cout: 5, k: 3, stride: 2, pad: 'same' },
  { n: 2, h: 9, w: 8, cin: 4, cout: 3, k: 3, stride: 2, pad: 'valid' },
  { n: 1, h: 6, w: 6, cin: 1, cout: 8, k: 3, stride: 1, pad: 'valid' },
  { n: 2, h: 5, w: 6, cin: 3, cout: 2, k: 1, stride: 2, pad: 'valid' },
  { n: 2, h: 10, w: 7, cin: 3, cout: 4, k: 5, stride: 2, pad: 'same' },
];
const randomCases: Case[] = Array.from({ length: 6 }, () => ({
  n: pick([1, 2, 3]),
  h: pick([5, 6, 7, 9, 12]),
  w: pick([5, 6, 8, 11]),
  cin: pick([1, 2, 3, 5, 8]),
  cout: pick([1, 4, 6, 16]),
  k: pick([1, 2, 3, 5]),
  stride: pick([1, 2]),
  pad: pick(['same', 'valid'] as const),
}));
const cases = [...fixed, ...randomCases].filter((c) => c.pad === 'same' || (c.h >= c.k && c.w >= c.k));

function randomArray(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/** Runs a kernel on a backend with fresh tensors made from the same arrays; returns its values. */
async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { values: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) tensors[name] = tf.tensor(t.values, t.shape);
    const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

function expectClose(actual: { values: Float32Array; shape: number[] }, expected: typeof actual): void {
  expect(actual.shape).toEqual(expected.shape);
  let scale = 0;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    worst = Math.max(worst, Math.abs(actual.values[i]! - expected.values[i]!));
  }
  expect(worst / Math.max(scale, 1e-6)).toBeLessThan(1e-4);
}

async function compare(kernel: string, inputs: Parameters<typeof runOn>[2], attrs: Record<string, unknown>) {
  const expected = await runOn('cpu', kernel, inputs, attrs);
  const actual = await runOn('wasm', kernel, inputs, attrs);
  expectClose(actual, expected);
}

function outSize(size: number, k: number, stride: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
}

const label = (c: Case) => `n${c.n} ${c.h}x${c.w}x${c.cin}->${c.cout} k${c.k} s${c.stride} ${c.pad}`;

beforeAll(async () => {
  await setupWasmBackend({ threads: 1 });
});

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput match the cpu backend', () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const ho = outSize(c.h, c.k, c.stride, c.pad);
    const wo = outSize(c.w, c.k, c.stride, c.pad);
    const x = { values: randomArray(c.n * c.h * c.w * c.cin), shape: [c.n, c.h, c.w, c.cin] };
    const dy = { values: randomArray(c.n * ho * wo * c.cout), shape: [c.n, ho, wo, c.cout] };
    const filter = { values: randomArray(c.k * c.k * c.cin * c.cout), shape: [c.k, c.k, c.cin, c.cout] };
    const common = {
      strides: [c.stride, c.stride],
      pad: c.pad,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    };
    await compare('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape });
    await compare('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape });
  });
});

describe('wasm depthwise backprop kernels match the cpu backend', () => {
  const depthwiseCases = cases.flatMap((c) => [
    { ...c, cout: 1 },
    { ...c, cout: 2 },
  ]);
  it.each(depthwiseCases.map((c) => [`${label(c)} (multiplier ${c.cout})`, c] as const))(
    '%s',
    async (_name, c) => {
      const multiplier = c.cout;
      const ho = outSize(c.h, c.k, c.stride, c.pad);
      const wo = outSize(c.w, c.k, c.stride, c.pad);
      const x = { values: randomArray(c.n * c.h * c.w * c.cin), shape: [c.n, c.h, c.w, c.cin] };
      const dy = {
        values: randomArray(c.n * ho * wo * c.cin * multiplier),
        shape: [c.n, ho, wo, c.cin * multiplier],
      };
      const filter = {
        values: randomArray(c.k * c.k * c.cin * multiplier),
        shape: [c.k, c.k, c.cin, multiplier],
      };
      const common = {
        strides: [c.stride, c.stride],
        pad: c.pad,
        dilations: [1, 1],
        dimRoundingMode: undefined,
      };
      await compare(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        { ...common, filterShape: filter.shape },
      );
      await compare('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: x.shape });
    },
  );
});

describe('wasm BatchMatMul keeps transposed products exact', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const [m, k, n] = [7, 13, 5];
    const a = { values: randomArray(m * k), shape: transposeA ? [1, k, m] : [1, m, k] };
    const b = { values: randomArray(k * n), shape: transposeB ? [1, n, k] : [1, k, n] };
    await compare('BatchMatMul', { a, b }, { transposeA, transposeB });
  });
});

describe('wasm Tile / Sum / Mean fast paths match the cpu backend', () => {
  const x = { values: randomArray(4 * 5 * 3 * 6), shape: [4, 5, 3, 6] };
  it.each([
    ['Tile leading', { x: { values: randomArray(6), shape: [1, 1, 1, 6] } }, { reps: [4, 5, 3, 1] }],
    ['Tile general', { x: { values: randomArray(6), shape: [2, 1, 3, 1] } }, { reps: [1, 2, 2, 3] }],
    ['Sum leading', { x }, { axis: [0, 1, 2], keepDims: false }],
    ['Sum leading keepDims', { x }, { axis: [1, 0], keepDims: true }],
    ['Sum inner', { x }, { axis: [3], keepDims: false }],
    ['Mean leading', { x }, { axis: [0, 1, 2], keepDims: true }],
    ['Mean all', { x }, { axis: [0, 1, 2, 3], keepDims: false }],
  ] as const)('%s', async (_name, inputs, attrs) => {
    const kernel = _name.split(' ')[0]!;
    await compare(kernel, inputs as Parameters<typeof runOn>[2], attrs);
  });
});
