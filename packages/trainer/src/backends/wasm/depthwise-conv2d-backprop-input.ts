/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (it has none). With channel multiplier M,
 * dx[.., c] = sum over m of correlate(spread dy[.., c*M + m], flipped filter[.., c, m]) at stride 1,
 * each a depthwise convolution in the backend's XNNPACK kernel (one for M = 1).
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvPad } from './conv-geometry.js';
import { assertSupported, forwardInfo, pair } from './conv-geometry.js';
import type { WasmBackend } from './kernel-context.js';
import { callKernel, release, stridedSlice } from './kernel-context.js';
import { spreadDy } from './spread-dy.js';

interface Attrs {
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPad;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function depthwiseCorrelate(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  pad: unknown,
): TensorInfo {
  return callKernel(
    backend,
    'DepthwiseConv2dNative',
    { x: dy, filter },
    { strides: [1, 1], pad, dilations: [1, 1], dimRoundingMode: undefined },
  );
}

/** dx of a depthwise 2-D convolution, NHWC, strides >= 1, dilation 1, any channel multiplier. */
export function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  assertSupported('DepthwiseConv2dNativeBackpropInput', undefined, pair(attrs.dilations));
  const info = forwardInfo(
    attrs.inputShape,
    filter.shape,
    pair(attrs.strides),
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [kh, kw, cin, multiplier] = filter.shape as [number, number, number, number];
  const flipped = callKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  try {
    if (multiplier === 1) {
      const spread = spreadDy(backend, dy, info);
      const dx = depthwiseCorrelate(backend, spread.dy, flipped, spread.pad);
      if (spread.owned) release(backend, spread.dy);
      return dx;
    }
    const [n, ho, wo] = dy.shape as [number, number, number, number];
    let sum: TensorInfo | undefined;
    for (let m = 0; m < multiplier; m++) {
      const dyM = stridedSlice(backend, dy, [0, 0, 0, m], [n, ho, wo, cin], [1, 1, 1, multiplier]);
      const filterM = stridedSlice(backend, flipped, [0, 0, 0, m], [kh, kw, cin, 1], [1, 1, 1, 1]);
      const spread = spreadDy(backend, dyM, info);
      const part = depthwiseCorrelate(backend, spread.dy, filterM, spread.pad);
      if (spread.owned) release(backend, spread.dy);
      release(backend, dyM, filterM);
      if (sum === undefined) {
        sum = part;
      } else {
        const next = callKernel(backend, 'Add', { a: sum, b: part });
        release(backend, sum, part);
        sum = next;
      }
    }
    return sum!;
  } finally {
    release(backend, flipped);
  }
}

/** Registration of DepthwiseConv2dNativeBackpropInput for 'wasm'. */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
