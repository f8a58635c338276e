/**
 * A FusedBatchNorm gradient that, on the wasm backend with per-channel statistics (mean of rank 1,
 * float32), takes its five gradients from one pass of EdgemlBatchNormGradStats plus one broadcast
 * multiply (dx = dy * scale / sqrt(variance + eps)); tfjs-core's gradient makes about ten full-size
 * elementwise passes and four full-size sums. Anywhere else (other backends, other shapes)
 * tfjs-core's own gradient runs (gradient-override.ts).
 */

import type { Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_STATS } from './batch-norm-grad-stats.js';
import { installWasmGradient } from './gradient-override.js';

function fastPathApplies(x: Tensor, mean: Tensor, dy: Tensor): boolean {
  return (
    tf.getKernel(BATCH_NORM_GRAD_STATS, 'wasm') !== undefined &&
    mean.rank === 1 &&
    x.rank >= 2 &&
    mean.shape[0] === x.shape[x.rank - 1] &&
    x.dtype === 'float32' &&
    dy.dtype === 'float32' &&
    mean.dtype === 'float32'
  );
}

/** Installs the gradient (once; idempotent). */
export function installBatchNormGradient(): void {
  installWasmGradient('FusedBatchNorm', ['x', 'mean', 'variance', 'scale'], (g, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    if (!fastPathApplies(x, mean, g)) return undefined;
    const epsilon = attrs.varianceEpsilon as number;
    const stats = tf.engine().runKernel(BATCH_NORM_GRAD_STATS, { x, dy: g, mean }) as Tensor;
    const [sumDy, sumDyCentered] = tf.unstack(stats) as [Tensor, Tensor];
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const scaleValue = scale ?? tf.onesLike(r);
    const rScale = tf.mul(r, scaleValue);
    return {
      x: () => tf.mul(g, rScale),
      mean: () => tf.neg(tf.mul(rScale, sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(rScale, tf.square(r)), -0.5), sumDyCentered),
      scale: () => tf.mul(sumDyCentered, r),
      offset: () => tf.clone(sumDy),
    };
  });
}
