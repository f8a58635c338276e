/**
 * Unstructured magnitude pruning of a TF.js model: the kernels of Conv2D, DepthwiseConv2D and Dense
 * layers get a 0/1 mask that zeroes their smallest-magnitude weights, with one threshold per layer
 * or one global threshold over all of them. `prune(sparsity)` recomputes the masks from the current
 * weights and applies them; `apply()` re-applies the held masks (after every optimizer step during
 * fine-tuning), so pruned weights stay exactly zero.
 */
import * as tf from '@tensorflow/tfjs';

/** Threshold scope. */
export type MagnitudeScope = 'per-layer' | 'global';

/** Every scope. */
export const MAGNITUDE_SCOPES: readonly MagnitudeScope[] = ['per-layer', 'global'];

/** Sparsity of one layer's kernel. */
export interface LayerSparsity {
  layer: string;
  className: string;
  weights: number;
  zeros: number;
  sparsity: number;
}

const PRUNABLE = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

interface Target {
  readonly layer: tf.layers.Layer;
  readonly variable: tf.Variable;
  mask: tf.Tensor | null;
}

/** The value below which `fraction` of `values` (by magnitude) lie; -1 when nothing is pruned. */
function magnitudeThreshold(abs: Float32Array, fraction: number): number {
  const k = Math.floor(fraction * abs.length);
  if (k <= 0) return -1;
  const sorted = abs.slice().sort();
  return sorted[k - 1]!;
}

/** Holds and applies magnitude masks on a model's conv and dense kernels. */
export class MagnitudePruner {
  private readonly targets: Target[];

  constructor(
    model: tf.LayersModel,
    readonly scope: MagnitudeScope,
  ) {
    this.targets = model.layers
      .filter((l) => PRUNABLE.has(l.getClassName()))
      .map((layer) => ({ layer, variable: layer.weights[0]!.read() as tf.Variable, mask: null }));
  }

  /** Recomputes masks for `sparsity` from the current weights and applies them. */
  prune(sparsity: number): void {
    const abs = this.targets.map((t) => Float32Array.from(t.variable.dataSync(), Math.abs));
    let thresholds: number[];
    if (this.scope === 'global') {
      const all = new Float32Array(abs.reduce((n, a) => n + a.length, 0));
      let offset = 0;
      for (const a of abs) {
        all.set(a, offset);
        offset += a.length;
      }
      const t = magnitudeThreshold(all, sparsity);
      thresholds = abs.map(() => t);
    } else {
      thresholds = abs.map((a) => magnitudeThreshold(a, sparsity));
    }
    this.targets.forEach((target, i) => {
      const threshold = thresholds[i]!;
      const a = abs[i]!;
      const mask = new Float32Array(a.length);
      for (let j = 0; j < a.length; j++) mask[j] = a[j]! > threshold ? 1 : 0;
      target.mask?.dispose();
      target.mask = tf.tensor(mask, target.variable.shape);
    });
    this.apply();
  }

  /** Multiplies every kernel by its mask (no-op before the first `prune`). */
  apply(): void {
    tf.tidy(() => {
      // `+ 0` turns the -0 of negative weights times 0 into +0 (cleaner bytes, better gzip).
      for (const t of this.targets) if (t.mask) t.variable.assign(t.variable.mul(t.mask).add(0));
    });
  }

  /** Zeros per pruned layer, measured on the current weights. */
  sparsity(): LayerSparsity[] {
    return this.targets.map(({ layer, variable }) => {
      const data = variable.dataSync();
      let zeros = 0;
      for (const v of data) if (v === 0) zeros++;
      return {
        layer: layer.name,
        className: layer.getClassName(),
        weights: data.length,
        zeros,
        sparsity: zeros / data.length,
      };
    });
  }

  /** Frees the masks. */
  dispose(): void {
    for (const t of this.targets) {
      t.mask?.dispose();
      t.mask = null;
    }
  }
}
