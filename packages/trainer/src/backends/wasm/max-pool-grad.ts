/**
 * MaxPoolGrad for the wasm backend, replacing its scalar C++ loop (which, for every input pixel,
 * rescans every window that could contain it): one pass over the pooling windows in JS over the
 * wasm heap, each window's first maximum (row-major scan, strict '>', as the cpu backend picks it)
 * receiving that window's dy. O(output x window), channels innermost so every read is contiguous.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface Window {
  xv: Float32Array;
  dyv: Float32Array;
  dxv: Float32Array;
  channels: number;
  rowStride: number;
  h0: number;
  h1: number;
  w0: number;
  w1: number;
}

/** Any window (clipped to the input), all channels; dx must start zeroed. */
function poolWindow(win: Window, imageBase: number, o: number): void {
  const { xv, dyv, dxv, channels, rowStride, h0, h1, w0, w1 } = win;
  for (let c = 0; c < channels; c++) {
    let best = -1;
    let max = Number.NEGATIVE_INFINITY;
    for (let h = h0; h < h1; h++) {
      let i = imageBase + h * rowStride + w0 * channels + c;
      for (let w = w0; w < w1; w++, i += channels) {
        const v = xv[i]!;
        if (v > max) {
          max = v;
          best = i;
        }
      }
    }
    if (best >= 0) dxv[best]! += dyv[o + c]!;
  }
}

/**
 * One output row of 2x2 windows lying inside the input (kept in its own function so that V8
 * optimises it as a whole, not through on-stack replacement of the outer loops).
 */
function pool2x2Row(
  xv: Float32Array,
  dyv: Float32Array,
  dxv: Float32Array,
  base: number,
  o: number,
  outWidth: number,
  step: number,
  channels: number,
  rowStride: number,
): void {
  const end = o + outWidth * channels;
  for (; o < end; o += channels, base += step) {
    for (let c = 0; c < channels; c++) {
      const i00 = base + c;
      const i10 = i00 + rowStride;
      let best = i00;
      let max = xv[i00]!;
      let v = xv[i00 + channels]!;
      if (v > max) {
        max = v;
        best = i00 + channels;
      }
      v = xv[i10]!;
      if (v > max) {
        max = v;
        best = i10;
      }
      v = xv[i10 + channels]!;
      if (v > max) {
        max = v;
        best = i10 + channels;
      }
      if (!Number.isNaN(max) && max !== Number.NEGATIVE_INFINITY) {
        dxv[best]! += dyv[o + c]!;
      } else {
        // NaN or -Infinity in the window: '>' from -Infinity, as the cpu backend scans.
        best = -1;
        max = Number.NEGATIVE_INFINITY;
        for (const i of [i00, i00 + channels, i10, i10 + channels]) {
          if (xv[i]! > max) {
            max = xv[i]!;
            best = i;
          }
        }
        if (best >= 0) dxv[best]! += dyv[o + c]!;
      }
    }
  }
}

/** dx of a 2-D max pool (NHWC, dilation 1): dy routed to each window's first maximum of x. */
export function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output?: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const channels = info.inChannels;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = backend.makeOutput(input.shape, 'float32');
  const dxv = backend.typedArrayFromHeap(dx) as Float32Array;
  const xv = backend.typedArrayFromHeap(input) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
  dxv.fill(0);
  const rowStride = inWidth * channels;
  const imageStride = inHeight * rowStride;
  const window: Window = { xv, dyv, dxv, channels, rowStride, h0: 0, h1: 0, w0: 0, w1: 0 };
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const hCorner = oh * strideHeight - top;
      const h0 = Math.max(0, hCorner);
      const h1 = Math.min(inHeight, hCorner + fh);
      const rowBase = b * imageStride + h0 * rowStride;
      const lastCorner = (outWidth - 1) * strideWidth - left;
      if (fh === 2 && fw === 2 && h1 - h0 === 2 && left === 0 && lastCorner + 2 <= inWidth) {
        pool2x2Row(xv, dyv, dxv, rowBase, o, outWidth, strideWidth * channels, channels, rowStride);
        o += outWidth * channels;
        continue;
      }
      window.h0 = h0;
      window.h1 = h1;
      for (let ow = 0; ow < outWidth; ow++, o += channels) {
        const wCorner = ow * strideWidth - left;
        window.w0 = Math.max(0, wCorner);
        window.w1 = Math.min(inWidth, wCorner + fw);
        poolWindow(window, b * imageStride, o);
      }
    }
  }
  return dx;
}

/** Registration of MaxPoolGrad for 'wasm' (replaces the backend's own). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
