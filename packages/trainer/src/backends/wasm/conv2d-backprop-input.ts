/**
 * Conv2DBackpropInput for the wasm backend, replacing its scalar C++ loop: dx is the stride-1
 * correlation of the stride-spread dy with the filter flipped in space and with in/out channels
 * swapped, run by the backend's own XNNPACK Conv2D (SIMD, multi-threaded when threads are on).
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvPad } from './conv-geometry.js';
import { assertSupported, forwardInfo, pair } from './conv-geometry.js';
import type { WasmBackend } from './kernel-context.js';
import { callKernel, release } from './kernel-context.js';
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

/** Registration of Conv2DBackpropInput for 'wasm' (replaces the backend's own). */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
