/**
 * Geometry shared by the convolution gradients: the forward convolution's Conv2DInfo, and from it
 * the two layouts the gradients are computed in: "filter taps" (one strided window of the padded
 * input per filter position) and "transposed convolution" (dy spread by the stride, zero-padded,
 * correlated with the flipped filter at stride 1).
 */

import { UnsupportedError } from '@edgeml/core';
import { backend_util } from '@tensorflow/tfjs';

/** The forward convolution's geometry as tfjs computes it. */
export type ConvInfo = backend_util.Conv2DInfo;

/** The pad attribute of a convolution kernel. */
export type ConvPad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** Normalises a stride or dilation attribute to [height, width]. */
export function pair(value: number | readonly number[] | undefined, fallback = 1): [number, number] {
  if (value === undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  return [value[0] ?? fallback, value[1] ?? value[0] ?? fallback];
}

/** Throws unless the data format is NHWC and the dilation is 1 (what these kernels implement). */
export function assertSupported(kernel: string, dataFormat: string | undefined, dilations?: number[]): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new UnsupportedError(`${kernel} on wasm supports data format 'NHWC' only, got '${dataFormat}'`);
  }
  if (dilations !== undefined && (dilations[0] !== 1 || dilations[1] !== 1)) {
    throw new UnsupportedError(`${kernel} on wasm supports dilation 1 only, got [${dilations.join(', ')}]`);
  }
}

/** Conv2DInfo of the forward convolution x (*) filter. */
export function forwardInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: ConvPad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): ConvInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/** Padding of x such that tap (kh, kw) is x_padded[:, kh + oh*sh, kw + ow*sw, :]. */
export function tapPadding(info: ConvInfo): [number, number][] {
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = Math.max(
    0,
    (info.outHeight - 1) * info.strideHeight + info.filterHeight - info.inHeight - top,
  );
  const right = Math.max(0, (info.outWidth - 1) * info.strideWidth + info.filterWidth - info.inWidth - left);
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * How dy must be laid out so that dx = correlate(dyPrepared, flipped filter) at stride 1:
 * dy is spread by the stride (`spread` zeros after each row/column), then cropped to `keep`
 * rows/columns, then zero-padded by `pad` ([before, after] per spatial axis).
 */
export interface TransposedConvLayout {
  readonly keepHeight: number;
  readonly keepWidth: number;
  readonly padHeight: [number, number];
  readonly padWidth: [number, number];
}

function axisLayout(
  inSize: number,
  outSize: number,
  stride: number,
  filter: number,
  padBefore: number,
): { keep: number; pad: [number, number] } {
  const before = filter - 1 - padBefore;
  if (before < 0) {
    throw new UnsupportedError(
      `convolution gradient: padding ${padBefore} larger than filter-1 is not supported`,
    );
  }
  const spreadLength = outSize * stride;
  const after = inSize + filter - 1 - before - spreadLength;
  if (after >= 0) return { keep: spreadLength, pad: [before, after] };
  return { keep: spreadLength + after, pad: [before, 0] };
}

/** The layout of dy for the input gradient of the convolution described by `info`. */
export function transposedConvLayout(info: ConvInfo): TransposedConvLayout {
  const h = axisLayout(info.inHeight, info.outHeight, info.strideHeight, info.filterHeight, info.padInfo.top);
  const w = axisLayout(info.inWidth, info.outWidth, info.strideWidth, info.filterWidth, info.padInfo.left);
  return { keepHeight: h.keep, keepWidth: w.keep, padHeight: h.pad, padWidth: w.pad };
}
