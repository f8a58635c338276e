/**
 * Conv2DBackpropFilter for the wasm backend (it has none), as nine (KH*KW) XNNPACK GEMMs that
 * share one packed operand and copy no input window.
 *
 * With x zero-padded to an Hp x Wp grid and dy spread onto the same grid (dy[n, oh, ow] at
 * (oh*sh, ow*sw), zeros elsewhere), the window of tap (kh, kw) is the padded x shifted by the
 * constant flat offset kh*Wp + kw. So with xT = padded x as [Cin, N*Hp*Wp] (one transpose) and
 * G = dy on the grid as [N*Hp*Wp, Cout]:
 *   dW[kh, kw] = xT[:, off : off + L] · G,  L = N*Hp*Wp, off = kh*Wp + kw,
 * where the left operand is a zero-copy view of xT with row stride L. The view reads up to `off`
 * elements past each row into the next one; those positions meet zeros of G (the grid has at least
 * KW-1 unused columns and KH-1 unused rows per image), and xT carries a zero tail so the last row's
 * overrun stays in bounds. XNNPACK packs G once (cached on its id) for all taps.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { ConvPad } from './conv-geometry.js';
import { assertSupported, forwardInfo, pair, tapPadding } from './conv-geometry.js';
import type { WasmBackend } from './kernel-context.js';
import { alias, callKernel, padZeros, release, releaseAlias, view } from './kernel-context.js';

interface Attrs {
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dy [N, Ho, Wo, C] placed on an [N, hp, wp, C] grid at (oh*sh, ow*sw), zeros elsewhere. */
export function dyOnGrid(
  backend: WasmBackend,
  dy: TensorInfo,
  sh: number,
  sw: number,
  hp: number,
  wp: number,
): TensorInfo {
  const [n, ho, wo, c] = dy.shape as [number, number, number, number];
  let grid = dy;
  let owned = false;
  if (sh > 1 || sw > 1) {
    const spread = callKernel(
      backend,
      'PadV2',
      { x: view(dy, [n, ho, 1, wo, 1, c]) },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    grid = view(spread, [n, ho * sh, wo * sw, c]);
    owned = true;
  }
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
    [0, 0],
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
  const gridMatrix = view(grid, [1, length, cout]);

  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  try {
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const window = alias(backend, xTail, r * wp + c, [1, cin, length]);
        const tap = callKernel(
          backend,
          'BatchMatMul',
          { a: window, b: gridMatrix },
          { transposeA: false, transposeB: false },
        );
        releaseAlias(backend, window);
        const values = backend.typedArrayFromHeap(tap);
        (backend.typedArrayFromHeap(out) as Float32Array).set(values, (r * kw + c) * cin * cout);
        release(backend, tap);
      }
    }
  } finally {
    release(backend, xTail, grid);
  }
  return out;
}

/** Registration of Conv2DBackpropFilter for 'wasm'. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
