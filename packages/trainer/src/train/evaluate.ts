/**
 * Evaluation of a classifier on a split: mean cross-entropy (from the logits, no smoothing),
 * top-1 accuracy, per-class accuracy (recall) and the confusion matrix. Used after every training
 * epoch on the validation split and by `edgeml eval`.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataSplit } from '../data/dataset.js';
import { logitsModel, numClassesOf } from '../model/logits.js';

/** What `evaluate` measures. */
export interface EvaluationResult {
  /** Images evaluated. */
  readonly count: number;
  /** Mean softmax cross-entropy; NaN when the split is empty. */
  readonly loss: number;
  /** Top-1 accuracy in [0, 1]; NaN when the split is empty. */
  readonly accuracy: number;
  /** Accuracy per true class (recall); null for a class with no images. */
  readonly perClassAccuracy: readonly (number | null)[];
  /** confusionMatrix[true][predicted] = count. */
  readonly confusionMatrix: readonly (readonly number[])[];
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Images per forward pass. @default 256 */
  readonly batchSize?: number;
  /** Evaluate only N images of the split: a seeded sample (seed 0), the same on every call. */
  readonly limit?: number;
}

/** Runs `model` (inference mode) over `split` and measures loss, accuracy and confusions. */
export async function evaluate(
  model: tf.LayersModel,
  split: DataSplit,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  return evaluateLogits(logitsModel(model), numClassesOf(model), split, options);
}

/** `evaluate` on a model that outputs logits for `k` classes (the trainer reuses its sub-model). */
export async function evaluateLogits(
  net: tf.LayersModel,
  k: number,
  split: DataSplit,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let count = 0;
  const batchOptions = {
    batchSize: options.batchSize ?? 256,
    // Splits are stored class by class: a limited evaluation takes a seeded sample, not the first classes.
    ...(options.limit === undefined ? {} : { limit: options.limit, shuffle: true, seed: 0 }),
  };
  for await (const batch of split.batches(batchOptions)) {
    const [losses, predicted] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [...batch.shape]);
      const logits = net.predict(x) as tf.Tensor2D;
      const labels = tf.tensor1d(batch.y, 'int32');
      const logP = tf.logSoftmax(logits);
      const picked = logP.mul(tf.oneHot(labels, k)).sum(1).neg();
      return [picked, logits.argMax(1)];
    });
    const [lossData, predData] = await Promise.all([losses.data(), predicted.data()]);
    losses.dispose();
    predicted.dispose();
    for (let i = 0; i < batch.size; i++) {
      lossSum += lossData[i]!;
      const row = confusion[batch.y[i]!];
      const p = predData[i]!;
      if (row !== undefined && p < k) row[p] = (row[p] ?? 0) + 1;
    }
    count += batch.size;
  }
  let correct = 0;
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    correct += row[c] ?? 0;
    return total === 0 ? null : (row[c] ?? 0) / total;
  });
  return {
    count,
    loss: count === 0 ? Number.NaN : lossSum / count,
    accuracy: count === 0 ? Number.NaN : correct / count,
    perClassAccuracy,
    confusionMatrix: confusion,
  };
}
