/**
 * Classification losses computed from logits (never from softmax probabilities, whose log
 * underflows): softmax cross-entropy with label smoothing and focal loss, both with optional
 * per-class weights and soft (mixup) targets. log-softmax is `z - logsumexp(z)`, stable for any
 * logit magnitude.
 */
import * as tf from '@tensorflow/tfjs';

/** Options shared by the losses. */
export interface LossOptions {
  /** Label smoothing epsilon: targets become (1 - eps) * y + eps / K. Default 0. */
  readonly labelSmoothing?: number;
  /**
   * One weight per class. A sample's weight is sum_c w_c * y_c (its class's weight for one-hot
   * targets); the loss is the weighted mean sum_i w_i l_i / sum_i w_i, as in PyTorch.
   */
  readonly classWeights?: readonly number[] | null;
  /** Focal loss gamma; 0 or absent gives plain cross-entropy. */
  readonly focalGamma?: number;
}

/** Applies label smoothing to (possibly soft) targets [N, K]. */
export function smoothLabels(targets: tf.Tensor2D, epsilon: number): tf.Tensor2D {
  if (epsilon === 0) return targets.clone();
  const k = targets.shape[1];
  return tf.tidy(() => targets.mul(1 - epsilon).add(epsilon / k));
}

/** Per-sample loss [N] from logits [N, K] and targets [N, K] (one-hot or soft). */
export function perSampleLoss(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  options: LossOptions = {},
): tf.Tensor1D {
  return tf.tidy(() => {
    const y = smoothLabels(targets, options.labelSmoothing ?? 0);
    const logP = tf.logSoftmax(logits);
    const gamma = options.focalGamma ?? 0;
    // Focal loss: -sum_c y_c (1 - p_c)^gamma log p_c; gamma 0 is cross-entropy.
    const terms = gamma === 0 ? y.mul(logP) : y.mul(tf.pow(tf.sub(1, tf.exp(logP)), gamma)).mul(logP);
    return terms.sum(1).neg() as tf.Tensor1D;
  });
}

/** Mean loss (a scalar) from logits and targets, class-weighted when weights are given. */
export function classificationLoss(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  options: LossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const losses = perSampleLoss(logits, targets, options);
    const weights = options.classWeights;
    if (weights == null) return losses.mean() as tf.Scalar;
    const sampleWeights = targets.matMul(tf.tensor2d(weights as number[], [weights.length, 1])).reshape([-1]);
    return losses.mul(sampleWeights).sum().div(sampleWeights.sum().maximum(1e-12)) as tf.Scalar;
  });
}

/** Balanced class weights n / (k * n_c) from per-class counts; a class with no images gets 0. */
export function balancedClassWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? total / (present * c) : 0));
}
