/**
 * The teacher's logits for each training batch. 'cached' (default) runs the teacher once per
 * training image, the first time the trainer's sampler serves it, and keys the result by the
 * image's index in the training split: the same pool and order as training, whatever `limit` or
 * oversampling select. When the batch pixels were augmented or mixed the stored image is not what
 * the student sees, so the teacher runs online on the batch itself ('online' always does).
 * The teacher runs in inference mode and on its own normalisation when its package's differs.
 */
import { logitsModel } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';

/** How teacher logits are obtained. */
export type TeacherLogitsMode = 'cached' | 'online';

/** Every teacher-logits mode. */
export const TEACHER_LOGITS_MODES: readonly TeacherLogitsMode[] = ['cached', 'online'];

/** Per-channel affine map from the student's input normalisation to the teacher's. */
export interface InputRemap {
  readonly scale: readonly number[];
  readonly shift: readonly number[];
}

/** The remap from normalisation `from` to `to` ((x * std_f + mean_f - mean_t) / std_t), or null if equal. */
export function normalizationRemap(
  from: { mean: readonly number[]; std: readonly number[] },
  to: { mean: readonly number[]; std: readonly number[] },
): InputRemap | null {
  const same = from.mean.every((m, i) => m === to.mean[i]) && from.std.every((s, i) => s === to.std[i]);
  if (same) return null;
  return {
    scale: from.std.map((s, i) => s / (to.std[i] ?? 1)),
    shift: from.mean.map((m, i) => (m - (to.mean[i] ?? 0)) / (to.std[i] ?? 1)),
  };
}

/** Supplies teacher logits [N, K] for a batch. */
export class TeacherLogits {
  private readonly net: tf.LayersModel;
  private readonly cache = new Map<number, Float32Array>();
  /** Teacher forward passes run so far (images). */
  imagesRun = 0;
  /** Batches served from the cache entirely. */
  cachedBatches = 0;

  constructor(
    teacher: tf.LayersModel,
    readonly mode: TeacherLogitsMode,
    private readonly remap: InputRemap | null = null,
  ) {
    this.net = logitsModel(teacher);
  }

  private run(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const input = this.remap
        ? x.mul(tf.tensor1d([...this.remap.scale])).add(tf.tensor1d([...this.remap.shift]))
        : x;
      this.imagesRun += x.shape[0];
      return this.net.apply(input, { training: false }) as tf.Tensor2D;
    });
  }

  /** Teacher logits for the batch `x` whose images are `indices` of the training split. */
  logitsFor(x: tf.Tensor4D, indices: Int32Array, transformed: boolean): tf.Tensor2D {
    if (this.mode === 'online' || transformed || indices.length !== x.shape[0]) return this.run(x);
    const missing = [...indices].some((i) => !this.cache.has(i));
    if (missing) {
      const logits = this.run(x);
      const data = logits.dataSync() as Float32Array;
      const k = logits.shape[1];
      for (let row = 0; row < indices.length; row++)
        this.cache.set(indices[row]!, data.slice(row * k, (row + 1) * k));
      return logits;
    }
    this.cachedBatches++;
    const k = this.cache.get(indices[0]!)!.length;
    const out = new Float32Array(indices.length * k);
    for (let row = 0; row < indices.length; row++) out.set(this.cache.get(indices[row]!)!, row * k);
    return tf.tensor2d(out, [indices.length, k]);
  }

  /** Images whose logits are cached. */
  get cachedImages(): number {
    return this.cache.size;
  }
}
