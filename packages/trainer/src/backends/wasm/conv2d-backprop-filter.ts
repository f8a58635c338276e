/**
 * Conv2DBackpropFilter for the wasm backend (it has none), as XNNPACK GEMMs over zero-copy views,
 * blocked over the batch so that each GEMM's operands stay in the L2 cache.
 *
 * With x zero-padded to an Hp x Wp grid and dy spread onto the same grid (dy[n, oh, ow] at
 * (oh*sh, ow*sw), zeros elsewhere), the window of tap (kh, kw) is the padded x shifted by the
 * constant flat offset kh*Wp + kw. The batch is cut into chunks of B images (K = B*Hp*Wp grid
 * positions each); x is transposed per chunk to xc = [chunks, Cin, K] (one copy), G = dy on the
 * grid is [chunks, K, Cout] (no copy), and
 *   dW[kh, kw] = sum over chunks c of xc[c][:, off : off + K] · G[c],  off = kh*Wp + kw,
 * where the left operand is a zero-copy view of xc with row stride K. The view reads up to `off`
 * elements past each row into the next one; those positions meet zeros of G (the grid has at least
 * KW-1 unused columns and KH-1 unused rows per image), and xc carries a zero tail so the last row's
 * overrun stays in bounds. XNNPACK packs each G chunk once (cached on its id) for all taps.
 *
 * The GEMMs' reduction dimension is the whole batch's grid (N*Hp*Wp, ~10^5): unblocked, every
 * output tile streamed both operands from memory (a 115,200-long K ran at a third of the speed).
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvPad } from './conv-geometry.js';
import { assertSupported, forwardInfo, pair, tapPadding } from './conv-geometry.js';
import type { WasmBackend } from './kernel-context.js';
import { alias, callKernel, padZeros, release, releaseAlias, transposeInto, view } from './kernel-context.js';
import { spreadByStrides } from './spread-dy.js';

interface Attrs {
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dy [N, Ho, Wo, C] placed on a [batch, hp, wp, C] grid at (oh*sh, ow*sw), zeros elsewhere. */
export function dyOnGrid(
  backend: WasmBackend,
  dy: TensorInfo,
  sh: number,
  sw: number,
  hp: number,
  wp: number,
  batch = dy.shape[0]!,
): TensorInfo {
  const [n, , , c] = dy.shape as [number, number, number, number];
  let { tensor: grid, owned } = spreadByStrides(backend, dy, sh, sw);
  const rows = grid.shape[1]!;
  const cols = grid.shape[2]!;
  if (rows > hp || cols > wp) {
    const cropped = callKernel(
      backend,
      'Slice',
      { x: grid },
      { begin: [0, 0, 0, 0], size: [n, Math.min(rows, hp), Math.min(cols, wp), c] },
    );
    if (owned) release(backend, grid);
    grid = cropped;
    owned = true;
  }
  const padded = padZeros(backend, grid, [
    [0, batch - n],
    [0, hp - grid.shape[1]!],
    [0, wp - grid.shape[2]!],
    [0, 0],
  ]);
  if (padded.owned && owned) release(backend, grid);
  if (!padded.owned && !owned) return callKernel(backend, 'Identity', { x: grid });
  return padded.tensor;
}

/** dW of a 2-D convolution, NHWC, strides >= 1, dilation 1, any padding. */
export function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  assertSupported('Conv2DBackpropFilter', attrs.dataFormat);
  const info = forwardInfo(
    x.shape,
    attrs.filterShape,
    pair(attrs.strides),
    attrs.pad,
    attrs.dimRoundingMode,
    false,
  );
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const paddings = tapPadding(info);
  const hp = info.inHeight + paddings[1]![0] + paddings[1]![1];
  const wp = info.inWidth + paddings[2]![0] + paddings[2]![1];
  const { images, chunks } = batchChunks(info.batchSize, hp * wp, cin + cout);
  const length = images * hp * wp;
  const maxOffset = (kh - 1) * wp + (kw - 1);
  const batch = images * chunks;

  paddings[0] = [0, batch - info.batchSize];
  const padded = padZeros(backend, x, paddings);
  // xc = [chunks, Cin, K] with a zero tail of maxOffset elements.
  const xc = backend.makeOutput([chunks * cin * length + maxOffset], 'float32');
  const xcValues = backend.typedArrayFromHeap(xc) as Float32Array;
  if (cin === 1) {
    xcValues.set(backend.typedArrayFromHeap(padded.tensor) as Float32Array);
  } else if (chunks === 1) {
    transposeInto(backend, view(padded.tensor, [length, cin]), [1, 0], xc);
  } else {
    transposeInto(backend, view(padded.tensor, [chunks, length, cin]), [0, 2, 1], xc);
  }
  xcValues.fill(0, chunks * cin * length);
  if (padded.owned) release(backend, padded.tensor);
  const grid = dyOnGrid(backend, dy, info.strideHeight, info.strideWidth, hp, wp, batch);

  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const tapSize = cin * cout;
  const taps = kh * kw;
  // Few input channels (an image's first layer): one GEMM per chunk over the taps stacked as rows
  // (a small im2col copy), instead of KH*KW matrix-vector-like products with Cin rows.
  const stacked = taps * cin <= STACK_ROWS ? backend.makeOutput([taps * cin, length], 'float32') : undefined;
  try {
    for (let chunk = 0; chunk < chunks; chunk++) {
      const g = alias(backend, grid, chunk * length * cout, [1, length, cout]);
      if (stacked !== undefined) {
        const rows = backend.typedArrayFromHeap(stacked) as Float32Array;
        const source = backend.typedArrayFromHeap(xc) as Float32Array;
        for (let t = 0; t < taps; t++) {
          const offset = Math.floor(t / kw) * wp + (t % kw);
          for (let ci = 0; ci < cin; ci++) {
            const start = chunk * cin * length + ci * length + offset;
            rows.set(source.subarray(start, start + length), (t * cin + ci) * length);
          }
        }
        const product = callKernel(
          backend,
          'BatchMatMul',
          { a: view(stacked, [1, taps * cin, length]), b: g },
          { transposeA: false, transposeB: false },
        );
        addInto(
          backend.typedArrayFromHeap(out) as Float32Array,
          backend.typedArrayFromHeap(product) as Float32Array,
          0,
        );
        release(backend, product);
      } else {
        for (let t = 0; t < taps; t++) {
          const offset = Math.floor(t / kw) * wp + (t % kw);
          const window = alias(backend, xc, chunk * cin * length + offset, [1, cin, length]);
          const tap = callKernel(
            backend,
            'BatchMatMul',
            { a: window, b: g },
            { transposeA: false, transposeB: false },
          );
          releaseAlias(backend, window);
          addInto(
            backend.typedArrayFromHeap(out) as Float32Array,
            backend.typedArrayFromHeap(tap) as Float32Array,
            t * tapSize,
          );
          release(backend, tap);
        }
      }
      releaseAlias(backend, g);
    }
  } finally {
    release(backend, xc, grid);
    if (stacked !== undefined) release(backend, stacked);
  }
  return out;
}

/** target[offset + i] += values[i] for every i of values. */
function addInto(target: Float32Array, values: Float32Array, offset: number): void {
  for (let i = 0; i < values.length; i++) target[offset + i]! += values[i]!;
}

/** Taps are stacked into one GEMM operand when KH*KW*Cin is at most this (first layers). */
const STACK_ROWS = 64;

/** L2-sized blocking: operands of one GEMM (K x (Cin + Cout) floats) kept under this many floats. */
const CHUNK_FLOATS = 384 * 1024;

/** Images per chunk (at most what fits CHUNK_FLOATS, chosen to pad the batch least) and chunks. */
export function batchChunks(
  batchSize: number,
  gridSize: number,
  channels: number,
): { images: number; chunks: number } {
  const most = Math.max(1, Math.min(batchSize, Math.floor(CHUNK_FLOATS / (gridSize * channels))));
  let images = most;
  for (let candidate = most - 1; candidate >= Math.ceil(most / 2); candidate--) {
    const padded = (n: number) => Math.ceil(batchSize / n) * n;
    if (padded(candidate) < padded(images)) images = candidate;
  }
  return { images, chunks: Math.ceil(batchSize / images) };
}

/** Registration of Conv2DBackpropFilter for 'wasm'. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
