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
 * A strided convolution is first split by phase of the stride into stride-1 problems (see
 * polyphaseFilter), so dy is never spread and no GEMM multiplies zeros.
 *
 * The GEMMs' reduction dimension is the whole batch's grid (N*Hp*Wp, ~10^5): unblocked, every
 * output tile streamed both operands from memory (a 115,200-long K ran at a third of the speed).
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvInfo, ConvPad } from './conv-geometry.js';
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
  if (info.strideHeight > 1 || info.strideWidth > 1) return polyphaseFilter(backend, x, dy, info);
  const paddings = tapPadding(info);
  return stride1Filter(backend, x, dy, info.filterHeight, info.filterWidth, paddings[1]!, paddings[2]!);
}

/**
 * A strided convolution's dW as stride-1 problems, one per phase (ph, pw) of the stride: the taps
 * kh = a*sh + ph, kw = b*sw + pw all read the sub-grid x_padded[:, ph::sh, pw::sw] at offsets
 * (a, b), so their gradients are the stride-1 filter gradient (KH' = ceil((KH - ph) / sh) rows of
 * taps, no padding) of that sub-grid against dy as it is. The phases are laid out contiguously by
 * one pass over x (deinterleave). Spreading dy onto the full grid instead would make every GEMM
 * sh*sw times longer, all of it zeros.
 */
function polyphaseFilter(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { strideHeight: sh, strideWidth: sw, batchSize: n } = info;
  const paddings = tapPadding(info);
  const hp = info.inHeight + paddings[1]![0] + paddings[1]![1];
  const wp = info.inWidth + paddings[2]![0] + paddings[2]![1];
  const hg = Math.ceil(hp / sh);
  const wg = Math.ceil(wp / sw);
  const phases = backend.makeOutput([sh, sw, n, hg, wg, cin], 'float32');
  deinterleave(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(phases) as Float32Array,
    x.shape as [number, number, number, number],
    [sh, sw],
    [hg, wg],
    [paddings[1]![0], paddings[2]![0]],
  );
  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  const tapSize = cin * cout;
  const phaseSize = n * hg * wg * cin;
  try {
    for (let ph = 0; ph < Math.min(sh, kh); ph++) {
      for (let pw = 0; pw < Math.min(sw, kw); pw++) {
        const khp = Math.ceil((kh - ph) / sh);
        const kwp = Math.ceil((kw - pw) / sw);
        const phase = alias(backend, phases, (ph * sw + pw) * phaseSize, [n, hg, wg, cin]);
        const sub = stride1Filter(backend, phase, dy, khp, kwp, [0, 0], [0, 0]);
        releaseAlias(backend, phase);
        // Views taken only now: the allocations above may have grown (and moved) the wasm memory.
        const dw = backend.typedArrayFromHeap(out) as Float32Array;
        const values = backend.typedArrayFromHeap(sub) as Float32Array;
        for (let a = 0; a < khp; a++) {
          for (let b = 0; b < kwp; b++) {
            const from = (a * kwp + b) * tapSize;
            dw.set(values.subarray(from, from + tapSize), ((a * sh + ph) * kw + b * sw + pw) * tapSize);
          }
        }
        release(backend, sub);
      }
    }
  } finally {
    release(backend, phases);
  }
  return out;
}

/**
 * Copies x [N, H, W, C] into `out` = [sh, sw, N, Hg, Wg, C] (zeroed first): the pixel at padded
 * position (r, q) = (i + top, j + left) goes to phase (r % sh, q % sw) at (r / sh, q / sw).
 * A JS loop over C-float runs: the backend's native Transpose takes its generic path at rank 5
 * (about 20x slower than at rank 3) and its StridedSlice is no faster.
 */
export function deinterleave(
  x: Float32Array,
  out: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  [sh, sw]: readonly [number, number],
  [hg, wg]: readonly [number, number],
  [top, left]: readonly [number, number],
): void {
  out.fill(0);
  const phaseStride = n * hg * wg * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const r = i + top;
      const rowBase = ((r % sh) * sw * n + b) * hg * wg * c + Math.floor(r / sh) * wg * c;
      let src = (b * h + i) * w * c;
      for (let j = 0; j < w; j++) {
        const q = j + left;
        let dst = rowBase + (q % sw) * phaseStride + Math.floor(q / sw) * c;
        for (let k = 0; k < c; k++) out[dst++] = x[src++]!;
      }
    }
  }
}

/**
 * dW of a stride-1 convolution of x (padded by padH/padW [before, after]) with a KH x KW filter,
 * dy being its output (or fewer rows/columns: the rest count as zeros): taps as shifted windows.
 */
function stride1Filter(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  kh: number,
  kw: number,
  padH: [number, number],
  padW: [number, number],
): TensorInfo {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const cout = dy.shape[3]!;
  const paddings: [number, number][] = [[0, 0], padH, padW, [0, 0]];
  const hp = h + padH[0] + padH[1];
  const wp = w + padW[0] + padW[1];
  const { images, chunks } = batchChunks(n, hp * wp, cin + cout);
  const length = images * hp * wp;
  const maxOffset = (kh - 1) * wp + (kw - 1);
  const batch = images * chunks;

  paddings[0] = [0, batch - n];
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
  const grid = dyOnGrid(backend, dy, 1, 1, hp, wp, batch);

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
