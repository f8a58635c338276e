/**
 * A Mean gradient that, on the wasm backend, broadcasts dy / n to the input's shape with one Tile
 * (the flat-repeat fast path of tile.ts for batch-norm statistics over [N, H, W]). tfjs-core's own
 * builds `ones(x.shape)` in a JS loop, uploads it and makes two full-size passes over it
 * (dy * ones, then / n): batch norm in training takes two Means per layer (moments), so on
 * ResNet-8 that was about 50 ms of a 590 ms step in the ones loop alone (Node's CPU profile of
 * `edgeml train`). The values are the same bit for bit (dy * 1 / n = dy / n). Elsewhere tfjs-core's
 * own gradient runs (gradient-override.ts).
 */

import * as tf from '@tensorflow/tfjs';
import { installWasmGradient } from './gradient-override.js';

/** Installs the gradient (once; idempotent). */
export function installMeanGradient(): void {
  installWasmGradient('Mean', ['x'], (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const reduceSize = axes.reduce((p, a) => p * x.shape[a]!, 1);
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy, expanded), reduceSize), x.shape) };
  });
}
