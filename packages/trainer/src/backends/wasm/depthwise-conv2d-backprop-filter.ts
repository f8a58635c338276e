/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (it has none), with the grid layout of
 * conv2d-backprop-filter.ts: padded x as [Cin, L] (+ zero tail), dy on the grid transposed to
 * [Cin, M, L]; per tap, dW[kh, kw, c, m] = sum over the row of (x view shifted by kh*Wp + kw) * dy,
 * one broadcast multiply and one row sum in the backend's SIMD kernels.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvPad } from './conv-geometry.js';
import { assertSupported, forwardInfo, pair, tapPadding } from './conv-geometry.js';
import { dyOnGrid } from './conv2d-backprop-filter.js';
import type { WasmBackend } from './kernel-context.js';
import { alias, callKernel, padZeros, release, releaseAlias, view } from './kernel-context.js';

interface Attrs {
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPad;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dW of a depthwise 2-D convolution, NHWC, strides >= 1, dilation 1, any channel multiplier. */
export function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  assertSupported('DepthwiseConv2dNativeBackpropFilter', undefined, pair(attrs.dilations));
  const info = forwardInfo(
    x.shape,
    attrs.filterShape,
    pair(attrs.strides),
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { filterHeight: kh, filterWidth: kw, inChannels: cin } = info;
  const multiplier = attrs.filterShape[3];
  const paddings = tapPadding(info);
  const hp = info.inHeight + paddings[1]![0] + paddings[1]![1];
  const wp = info.inWidth + paddings[2]![0] + paddings[2]![1];
  const length = info.batchSize * hp * wp;
  const maxOffset = (kh - 1) * wp + (kw - 1);

  const padded = padZeros(backend, x, paddings);
  const xT = callKernel(backend, 'Transpose', { x: view(padded.tensor, [length, cin]) }, { perm: [1, 0] });
  if (padded.owned) release(backend, padded.tensor);
  const xTail = callKernel(
    backend,
    'PadV2',
    { x: view(xT, [cin * length]) },
    { paddings: [[0, maxOffset]], constantValue: 0 },
  );
  release(backend, xT);
  const grid = dyOnGrid(backend, dy, info.strideHeight, info.strideWidth, hp, wp);
  const gridT = callKernel(
    backend,
    'Transpose',
    { x: view(grid, [length, cin * multiplier]) },
    { perm: [1, 0] },
  );
  release(backend, grid);
  const dyRows = view(gridT, [cin, multiplier, length]);

  const out = backend.makeOutput([kh, kw, cin, multiplier], 'float32');
  try {
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const window = alias(backend, xTail, r * wp + c, [cin, 1, length]);
        const product = callKernel(backend, 'Multiply', { a: window, b: dyRows });
        releaseAlias(backend, window);
        const tap = callKernel(backend, 'Sum', { x: product }, { axis: [2], keepDims: false });
        release(backend, product);
        (backend.typedArrayFromHeap(out) as Float32Array).set(
          backend.typedArrayFromHeap(tap),
          (r * kw + c) * cin * multiplier,
        );
        release(backend, tap);
      }
    }
  } finally {
    release(backend, xTail, gridT);
  }
  return out;
}

/** Registration of DepthwiseConv2dNativeBackpropFilter for 'wasm'. */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
