/**
 * A Mean gradient that, on the wasm backend, broadcasts dy / n to the input's shape with one Tile
 * (the flat-repeat fast path of tile.ts for batch-norm statistics over [N, H, W]). tfjs-core's own
 * builds `ones(x.shape)` in a JS loop, uploads it and makes two full-size passes over it
 * (dy * ones, then / n): batch norm in training takes two Means per layer (moments), so on
 * ResNet-8 that was about 50 ms of a 590 ms step in the ones loop alone (Node's CPU profile of
 * `edgeml train`). The values are the same bit for bit (dy * 1 / n = dy / n). Anywhere else (other
 * backends) it calls tfjs-core's own gradient, which it keeps. Gradients are global in tfjs,
 * hence the check.
 */

import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

let installed: GradConfig | undefined;

/** Installs the gradient (once; idempotent); tfjs-core's own stays the fallback. */
export function installMeanGradient(): void {
  const current = tf.getGradient('Mean');
  if (current !== undefined && current === installed) return;
  const fallback = current;
  installed = {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x] = saved as [Tensor];
      const g = dy as Tensor;
      if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || g.dtype !== 'float32') {
        if (fallback === undefined) throw new Error('no Mean gradient to fall back to');
        return fallback.gradFunc(dy, saved, attrs);
      }
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const reduceSize = axes.reduce((p, a) => p * x.shape[a]!, 1);
      return { x: () => tf.broadcastTo(tf.div(tf.reshape(g, expanded), reduceSize), x.shape) };
    },
  };
  tf.registerGradient(installed);
}
