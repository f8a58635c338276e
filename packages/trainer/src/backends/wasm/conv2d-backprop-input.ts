/**
 * Conv2DBackpropInput for the wasm backend, replacing its scalar C++ loop: dx is the stride-1
 * correlation of the stride-spread dy with the filter flipped in space and with in/out channels
 * swapped, run by the backend's own XNNPACK Conv2D (SIMD, multi-threaded when threads are on).
 *
 * With few input channels (KH*KW*Cin <= 64: an image model's first layer, whose dx tfjs computes
 * even though nothing uses it, since fused convolutions return every gradient) that convolution
 * has 1-3 output channels, which XNNPACK runs poorly. There dx is one GEMM, columns = dy · W^T
 * ([N*Ho*Wo, Cout] x [Cout, KH*KW*Cin]), then a col2im scatter-add in JS.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvInfo, ConvPad } from './conv-geometry.js';
import { assertSupported, forwardInfo, pair } from './conv-geometry.js';
import type { WasmBackend } from './kernel-context.js';
import { callKernel, release, view } from './kernel-context.js';
import { spreadDy } from './spread-dy.js';

interface Attrs {
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dx of a 2-D convolution, NHWC, strides >= 1, dilation 1, any padding. */
export function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  assertSupported('Conv2DBackpropInput', attrs.dataFormat);
  const info = forwardInfo(
    attrs.inputShape,
    filter.shape,
    pair(attrs.strides),
    attrs.pad,
    attrs.dimRoundingMode,
    false,
  );
  if (info.filterHeight * info.filterWidth * info.inChannels <= COLUMN_ROWS) {
    return dxByColumns(backend, dy, filter, info);
  }
  if (info.strideHeight > 1 || info.strideWidth > 1) return dxByPhases(backend, dy, filter, info);
  const reversed = callKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const flipped = callKernel(backend, 'Transpose', { x: reversed }, { perm: [0, 1, 3, 2] });
  release(backend, reversed);
  const spread = spreadDy(backend, dy, info);
  const dx = callKernel(
    backend,
    'Conv2D',
    { x: spread.dy, filter: flipped },
    { strides: [1, 1], pad: spread.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
  );
  if (spread.owned) release(backend, spread.dy);
  release(backend, flipped);
  return dx;
}

/**
 * dx of a strided convolution, one phase (ph, pw) of the stride at a time: the padded-input pixels
 * (g*sh + ph, h*sw + pw) receive only the taps kh = a*sh + ph, kw = b*sw + pw, from dy[g - a, h - b],
 * so that phase is a stride-1 'full' convolution of dy (padded by KH'-1 rows above, KW'-1 columns
 * left) with those taps flipped (KH' = ceil((KH - ph) / sh)); the phases are then interleaved into
 * dx. The spread-dy route convolves sh*sw times as many positions, most of them zeros.
 */
function dxByPhases(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, info: ConvInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, batchSize: n } = info;
  const { top, left } = info.padInfo;
  const hp = Math.max(info.inHeight + top, (ho - 1) * sh + kh);
  const wp = Math.max(info.inWidth + left, (wo - 1) * sw + kw);
  const hg = Math.ceil(hp / sh);
  const wg = Math.ceil(wp / sw);
  const dx = backend.makeOutput([n, info.inHeight, info.inWidth, cin], 'float32');
  (backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
  for (let ph = 0; ph < Math.min(sh, kh); ph++) {
    for (let pw = 0; pw < Math.min(sw, kw); pw++) {
      const khp = Math.ceil((kh - ph) / sh);
      const kwp = Math.ceil((kw - pw) / sw);
      // taps[a', b', co, ci] = W[(KH'-1-a')*sh + ph, (KW'-1-b')*sw + pw, ci, co]
      const taps = backend.makeOutput([khp, kwp, cout, cin], 'float32');
      const t = backend.typedArrayFromHeap(taps) as Float32Array;
      const wv = backend.typedArrayFromHeap(filter) as Float32Array;
      for (let a = 0; a < khp; a++) {
        for (let b = 0; b < kwp; b++) {
          const source = (((khp - 1 - a) * sh + ph) * kw + (kwp - 1 - b) * sw + pw) * cin * cout;
          const target = (a * kwp + b) * cout * cin;
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) t[target + co * cin + ci] = wv[source + ci * cout + co]!;
          }
        }
      }
      const phase = callKernel(
        backend,
        'Conv2D',
        { x: dy, filter: taps },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [khp - 1, hg - ho],
            [kwp - 1, wg - wo],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [1, 1],
          dimRoundingMode: undefined,
        },
      );
      release(backend, taps);
      // Views taken after the allocations above (they may have grown, and moved, the wasm memory).
      interleavePhase(
        backend.typedArrayFromHeap(phase) as Float32Array,
        backend.typedArrayFromHeap(dx) as Float32Array,
        [n, info.inHeight, info.inWidth, cin],
        [hg, wg],
        [sh, sw],
        [ph, pw],
        [top, left],
      );
      release(backend, phase);
    }
  }
  return dx;
}

/** dx[:, i, j] = phase[:, (i + top) / sh, (j + left) / sw] for the pixels of phase (ph, pw). */
function interleavePhase(
  phase: Float32Array,
  dx: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  [hg, wg]: readonly [number, number],
  [sh, sw]: readonly [number, number],
  [ph, pw]: readonly [number, number],
  [top, left]: readonly [number, number],
): void {
  const i0 = (((ph - top) % sh) + sh) % sh;
  const j0 = (((pw - left) % sw) + sw) % sw;
  for (let b = 0; b < n; b++) {
    for (let i = i0; i < h; i += sh) {
      const g = (i + top - ph) / sh;
      const rowIn = (b * hg + g) * wg;
      const rowOut = (b * h + i) * w;
      for (let j = j0; j < w; j += sw) {
        const src = (rowIn + (j + left - pw) / sw) * c;
        const dst = (rowOut + j) * c;
        for (let k = 0; k < c; k++) dx[dst + k] = phase[src + k]!;
      }
    }
  }
}

/** Largest KH*KW*Cin computed through columns and col2im. */
const COLUMN_ROWS = 64;

/** dx = col2im(dy · W^T), for convolutions with few input channels. */
function dxByColumns(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, info: ConvInfo): TensorInfo {
  const taps = info.filterHeight * info.filterWidth;
  const width = taps * info.inChannels;
  const cout = info.outChannels;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const filterT = callKernel(backend, 'Transpose', { x: view(filter, [width, cout]) }, { perm: [1, 0] });
  const columns = callKernel(
    backend,
    'BatchMatMul',
    { a: view(dy, [1, rows, cout]), b: view(filterT, [1, cout, width]) },
    { transposeA: false, transposeB: false },
  );
  release(backend, filterT);
  const dx = backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
  const dxv = backend.typedArrayFromHeap(dx) as Float32Array;
  dxv.fill(0);
  const cols = backend.typedArrayFromHeap(columns) as Float32Array;
  for (let n = 0; n < info.batchSize; n++) {
    for (let oh = 0; oh < info.outHeight; oh++) {
      col2imRow(dxv, cols, info, n, oh);
    }
  }
  release(backend, columns);
  return dx;
}

/** Adds the columns of output row (n, oh) into dx (kept apart so that V8 optimises it whole). */
function col2imRow(dxv: Float32Array, cols: Float32Array, info: ConvInfo, n: number, oh: number): void {
  const { inHeight, inWidth, inChannels: cin, filterHeight: kh, filterWidth: kw, outWidth } = info;
  const width = kh * kw * cin;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let r = (n * info.outHeight + oh) * outWidth * width;
  for (let ow = 0; ow < outWidth; ow++, r += width) {
    for (let i = 0; i < kh; i++) {
      const ih = oh * info.strideHeight - top + i;
      if (ih < 0 || ih >= inHeight) continue;
      const rowBase = (n * inHeight + ih) * inWidth;
      for (let j = 0; j < kw; j++) {
        const iw = ow * info.strideWidth - left + j;
        if (iw < 0 || iw >= inWidth) continue;
        const target = (rowBase + iw) * cin;
        const source = r + (i * kw + j) * cin;
        for (let c = 0; c < cin; c++) dxv[target + c]! += cols[source + c]!;
      }
    }
  }
}

/** Registration of Conv2DBackpropInput for 'wasm' (replaces the backend's own). */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
