/**
 * Prepares dy for an input gradient computed as a stride-1 correlation with the flipped filter:
 * spreads dy by the forward stride (zeros between rows and columns, done as one zero-pad of a
 * [N, Ho, 1, Wo, 1, C] view), crops what falls outside the input, and returns the explicit padding
 * the correlation must apply.
 */

import type { TensorInfo } from '@tensorflow/tfjs';
import type { ConvInfo } from './conv-geometry.js';
import { transposedConvLayout } from './conv-geometry.js';
import type { WasmBackend } from './kernel-context.js';
import { callKernel, release, view } from './kernel-context.js';

/** dy ready for the correlation, whether it must be released, and the padding to apply. */
export interface SpreadDy {
  readonly dy: TensorInfo;
  readonly owned: boolean;
  /** NHWC explicit padding for the stride-1 correlation. */
  readonly pad: [[0, 0], [number, number], [number, number], [0, 0]];
}

/** Spreads and crops dy ([N, Ho, Wo, C]) for the input gradient of the convolution `info`. */
export function spreadDy(backend: WasmBackend, dy: TensorInfo, info: ConvInfo): SpreadDy {
  const layout = transposedConvLayout(info);
  const [n, ho, wo, c] = dy.shape as [number, number, number, number];
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  let { tensor: current, owned } = spreadByStrides(backend, dy, sh, sw);
  if (layout.keepHeight < ho * sh || layout.keepWidth < wo * sw) {
    const cropped = callKernel(
      backend,
      'Slice',
      { x: current },
      { begin: [0, 0, 0, 0], size: [n, layout.keepHeight, layout.keepWidth, c] },
    );
    if (owned) release(backend, current);
    current = cropped;
    owned = true;
  }
  return { dy: current, owned, pad: [[0, 0], layout.padHeight, layout.padWidth, [0, 0]] };
}

/** dy [N, Ho, Wo, C] spread to [N, Ho*sh, Wo*sw, C] (zeros between rows and columns); dy itself, not owned, at stride 1. */
export function spreadByStrides(
  backend: WasmBackend,
  dy: TensorInfo,
  sh: number,
  sw: number,
): { tensor: TensorInfo; owned: boolean } {
  if (sh <= 1 && sw <= 1) return { tensor: dy, owned: false };
  const [n, ho, wo, c] = dy.shape as [number, number, number, number];
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
  return { tensor: view(spread, [n, ho * sh, wo * sw, c]), owned: true };
}
