/**
 * Hinton et al. (2015) knowledge-distillation loss, from logits:
 * `alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE(y, softmax(z_s))`,
 * each term averaged over the batch. The T^2 factor keeps the soft term's gradients on the same
 * scale as the hard term's whatever the temperature. Log-softmax throughout (stable for any logit).
 */
import * as tf from '@tensorflow/tfjs';

/** Temperature and weight of the soft (teacher) term. */
export interface DistillationLossOptions {
  /** Softmax temperature T > 0. */
  readonly temperature: number;
  /** Weight of the soft term in [0, 1]; the hard term gets 1 - alpha. */
  readonly alpha: number;
}

/** Mean KL(softmax(teacher / T) || softmax(student / T)) over the batch. */
export function softTargetKl(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(teacher.div(temperature));
    const logPs = tf.logSoftmax(student.div(temperature));
    return tf.exp(logPt).mul(logPt.sub(logPs)).sum(1).mean() as tf.Scalar;
  });
}

/**
 * The distillation loss for student logits, teacher logits and targets [N, K] (one-hot or soft).
 * `hardLoss` replaces the plain cross-entropy term (the trainer passes its configured loss).
 */
export function distillationLoss(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  targets: tf.Tensor2D,
  { temperature, alpha }: DistillationLossOptions,
  hardLoss?: tf.Scalar,
): tf.Scalar {
  return tf.tidy(() => {
    const soft = softTargetKl(student, teacher, temperature).mul(alpha * temperature * temperature);
    if (alpha === 1) return soft as tf.Scalar;
    const hard = hardLoss ?? (targets.mul(tf.logSoftmax(student)).sum(1).neg().mean() as tf.Scalar);
    return soft.add(hard.mul(1 - alpha)) as tf.Scalar;
  });
}
