/**
 * A FusedBatchNorm gradient that, on the wasm backend with per-channel statistics (mean of rank 1,
 * float32), takes its five gradients from one pass of EdgemlBatchNormGradStats plus one broadcast
 * multiply (dx = dy * scale / sqrt(variance + eps)); tfjs-core's gradient makes about ten full-size
 * elementwise passes and four full-size sums. Anywhere else (other backends, other shapes) it
 * calls tfjs-core's own gradient, which it keeps. Gradients are global in tfjs, hence the check.
 */

import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_STATS } from './batch-norm-grad-stats.js';

let original: GradConfig | undefined;
let installed: GradConfig | undefined;

function fastPathApplies(x: Tensor, mean: Tensor, dy: Tensor): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(BATCH_NORM_GRAD_STATS, 'wasm') !== undefined &&
    mean.rank === 1 &&
    x.rank >= 2 &&
    mean.shape[0] === x.shape[x.rank - 1] &&
    x.dtype === 'float32' &&
    dy.dtype === 'float32' &&
    mean.dtype === 'float32'
  );
}

/** Installs the gradient (once; idempotent); tfjs-core's own stays the fallback. */
export function installBatchNormGradient(): void {
  const current = tf.getGradient('FusedBatchNorm');
  if (current !== undefined && current === installed) return;
  original = current;
  const fallback = current;
  installed = {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
      const g = dy as Tensor;
      if (!fastPathApplies(x, mean, g)) {
        if (fallback === undefined) throw new Error('no FusedBatchNorm gradient to fall back to');
        return fallback.gradFunc(dy, saved, attrs);
      }
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
    },
  };
  tf.registerGradient(installed);
}

/** tfjs-core's own FusedBatchNorm gradient as it was before `installBatchNormGradient`. */
export function originalBatchNormGradient(): GradConfig | undefined {
  return original;
}
