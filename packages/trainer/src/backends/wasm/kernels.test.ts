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
  // Strides the filter gradient splits into phases with different tap counts (3 of 5 / 2 of 5;
  // a 2x2 filter at stride 2 has one tap per phase; a 1x1 at stride 3 uses one phase of nine).
  { n: 2, h: 11, w: 10, cin: 3, cout: 4, k: 5, stride: 3, pad: 'same' },
  { n: 2, h: 8, w: 9, cin: 2, cout: 3, k: 2, stride: 2, pad: 'valid' },
  { n: 2, h: 10, w: 8, cin: 4, cout: 5, k: 1, stride: 3, pad: 'same' },
  // Input gradients by phase (KH*KW*Cin > 64): 1x1 (three of four phases empty), 'valid', and a
  // 4x4 'same' whose padding starts with a row and a column (phases offset by the padding).
  { n: 2, h: 9, w: 8, cin: 72, cout: 8, k: 1, stride: 2, pad: 'same' },
  { n: 3, h: 11, w: 10, cin: 16, cout: 8, k: 3, stride: 2, pad: 'valid' },
  { n: 2, h: 10, w: 12, cin: 20, cout: 6, k: 4, stride: 2, pad: 'same' },
  // Large enough for the filter gradient to block the batch into several chunks (and pad it).
  { n: 13, h: 24, w: 24, cin: 32, cout: 32, k: 3, stride: 1, pad: 'same' },
  { n: 9, h: 24, w: 24, cin: 48, cout: 48, k: 3, stride: 2, pad: 'same' },
  { n: 20, h: 28, w: 28, cin: 1, cout: 32, k: 3, stride: 1, pad: 'same' },
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
  // EDGEML_TEST_WASM_THREADS=2 runs the same checks on the threaded build.
  await setupWasmBackend({ threads: Number(process.env.EDGEML_TEST_WASM_THREADS ?? 1) });
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
    [
      'Sum leading, rows not a multiple of 4',
      { x: { values: randomArray(3 * 5 * 7), shape: [3, 5, 1, 7] } },
      { axis: [0, 1, 2], keepDims: false },
    ],
    ['Mean leading', { x }, { axis: [0, 1, 2], keepDims: true }],
    ['Mean all', { x }, { axis: [0, 1, 2, 3], keepDims: false }],
  ] as const)('%s', async (_name, inputs, attrs) => {
    const kernel = _name.split(' ')[0]!;
    await compare(kernel, inputs as Parameters<typeof runOn>[2], attrs);
  });
});

describe('wasm MaxPoolGrad matches the cpu backend', () => {
  type PoolCase = { n: number; h: number; w: number; c: number; k: number; s: number; pad: 'same' | 'valid' };
  const poolCases: PoolCase[] = [
    { n: 2, h: 8, w: 8, c: 3, k: 2, s: 2, pad: 'valid' },
    { n: 2, h: 7, w: 9, c: 4, k: 2, s: 2, pad: 'valid' },
    { n: 1, h: 7, w: 9, c: 2, k: 2, s: 2, pad: 'same' },
    { n: 2, h: 9, w: 8, c: 5, k: 3, s: 2, pad: 'same' },
    { n: 1, h: 6, w: 6, c: 3, k: 2, s: 1, pad: 'same' },
    { n: 2, h: 10, w: 7, c: 1, k: 3, s: 3, pad: 'valid' },
  ];
  const variants = poolCases.flatMap((c) => [
    [`${c.n}x${c.h}x${c.w}x${c.c} k${c.k} s${c.s} ${c.pad}, random`, c, false] as const,
    [`${c.n}x${c.h}x${c.w}x${c.c} k${c.k} s${c.s} ${c.pad}, ties`, c, true] as const,
  ]);
  it.each(variants)('%s', async (_name, c, ties) => {
    const size = c.n * c.h * c.w * c.c;
    // Ties: few distinct values (as after a ReLU), where the first maximum must win.
    const values = ties ? randomArray(size).map((v) => Math.max(0, Math.round(v * 2))) : randomArray(size);
    const ho = outSize(c.h, c.k, c.s, c.pad);
    const wo = outSize(c.w, c.k, c.s, c.pad);
    const pool = { filterSize: [c.k, c.k], strides: [c.s, c.s], pad: c.pad, dimRoundingMode: undefined };
    const input = { values, shape: [c.n, c.h, c.w, c.c] };
    const dy = { values: randomArray(c.n * ho * wo * c.c), shape: [c.n, ho, wo, c.c] };
    const output = await runOn('cpu', 'MaxPool', { x: input }, pool);
    await compare('MaxPoolGrad', { dy, input, output }, pool);
  });
});

describe('filter-gradient batch blocking', () => {
  it('splits the batch evenly and covers it', async () => {
    const { batchChunks } = await import('./conv2d-backprop-filter.js');
    expect(batchChunks(128, 900, 64)).toEqual({ images: 4, chunks: 32 });
    expect(batchChunks(13, 484, 32)).toEqual({ images: 13, chunks: 1 });
    expect(batchChunks(13, 676, 64)).toEqual({ images: 7, chunks: 2 });
    expect(batchChunks(9, 625, 96)).toEqual({ images: 3, chunks: 3 });
    expect(batchChunks(20, 900, 33)).toEqual({ images: 10, chunks: 2 });
    expect(batchChunks(1, 100_000, 512)).toEqual({ images: 1, chunks: 1 });
    expect(batchChunks(5, 10, 2)).toEqual({ images: 5, chunks: 1 });
  });
});

describe('wasm Identity shares memory', () => {
  it('clones without a copy and frees the memory with the last reference', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.memory().numBytes).toBe(before);
    const backend = tf.backend() as unknown as { dataIdMap: { has(id: object): boolean } };
    expect(backend.dataIdMap.has(y.dataId)).toBe(false);
  });
  it('casts to the same dtype without a copy, and converts otherwise', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1.5, -2, 0], [3]);
    const same = tf.cast(x, 'float32');
    const ints = tf.cast(x, 'int32');
    expect(same.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 0]);
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 0]);
    tf.dispose([same, ints]);
  });
});

describe('wasm FusedBatchNorm matches the cpu backend', () => {
  const x = { values: randomArray(4 * 5 * 3 * 6), shape: [4, 5, 3, 6] };
  const channel = () => ({ values: randomArray(6), shape: [6] });
  const variance = { values: randomArray(6).map((v) => v * v + 0.1), shape: [6] };
  it.each([
    ['all parameters', { x, mean: channel(), variance, offset: channel(), scale: channel() }],
    ['no offset, no scale', { x, mean: channel(), variance }],
    [
      'broadcast [1,1,1,C] parameters',
      { x, mean: { ...channel(), shape: [1, 1, 1, 6] }, variance: { ...variance, shape: [1, 1, 1, 6] } },
    ],
    [
      'full-shape statistics (backend kernel)',
      {
        x,
        mean: { values: randomArray(360), shape: [4, 5, 3, 6] },
        variance: { values: randomArray(360).map((v) => v * v + 0.1), shape: [4, 5, 3, 6] },
      },
    ],
  ] as const)('%s', async (_name, inputs) => {
    await compare('FusedBatchNorm', inputs as Parameters<typeof runOn>[2], { varianceEpsilon: 1e-3 });
  });
});

describe('batch-norm gradient on wasm matches tfjs-core on the cpu backend', () => {
  it.each([
    ['NHWC', [3, 4, 5, 6]],
    // (Without a scale, tfjs-core's batchNorm cannot be differentiated at all: it saves the missing input.)
    ['[N, C]', [7, 5]],
  ] as const)('%s', async (_name, shape) => {
    const channels = shape[shape.length - 1]!;
    const size = shape.reduce((p, d) => p * d, 1);
    const values = {
      x: randomArray(size),
      mean: randomArray(channels),
      variance: randomArray(channels).map((v) => v * v + 0.2),
      offset: randomArray(channels),
      scale: randomArray(channels),
      dy: randomArray(size),
    };
    const gradients = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const dy = tf.tensor(values.dy, [...shape]);
        const inputs = [
          tf.tensor(values.x, [...shape]),
          tf.tensor(values.mean, [channels]),
          tf.tensor(values.variance, [channels]),
          tf.tensor(values.offset, [channels]),
          tf.tensor(values.scale, [channels]),
        ];
        const grads = tf.grads((...args: tf.Tensor[]) =>
          tf.batchNorm(args[0]!, args[1]!, args[2]!, args[3]!, args[4], 1e-3),
        )(inputs, dy);
        return grads.map((g) => ({ values: g.dataSync() as Float32Array, shape: g.shape }));
      });
    };
    const expected = await gradients('cpu');
    const actual = await gradients('wasm');
    for (let i = 0; i < expected.length; i++) expectClose(actual[i]!, expected[i]!);
  });
});

describe('Mean gradient on wasm equals tfjs-core on the cpu backend', () => {
  it.each([
    ['batch-norm statistics [N, H, W]', [3, 4, 5, 6], [0, 1, 2]],
    ['global average pooling [H, W]', [3, 4, 5, 6], [1, 2]],
    ['every axis', [7, 5], undefined],
    ['a negative axis', [4, 3, 2], -1],
  ] as const)('%s', async (_name, shape, axis) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const x = randomArray(size);
    const gradient = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const input = tf.tensor(x, [...shape]);
        const reduce = (t: tf.Tensor) => tf.mean(t, axis as number | number[] | undefined);
        // A different weight per output, so that a wrong broadcast of dy cannot pass.
        const weights = tf.range(1, 1 + reduce(input).size).reshape(reduce(input).shape);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce(t), weights)))(input);
        return { values: g.dataSync() as Float32Array, shape: g.shape };
      });
    };
    const expected = await gradient('cpu');
    const actual = await gradient('wasm');
    expect(actual.shape).toEqual(expected.shape);
    // Bit for bit: dy * 1 / n on the cpu backend, dy / n broadcast on wasm.
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
  });
});
