/**
 * Extension points of the training loop for the optimizer's passes: a custom loss computed from
 * the student's logits (knowledge distillation) and a callback after every optimizer step
 * (pruning masks re-applied, sparsity schedules advanced). Both are options of `train`, not part of
 * the hashed config: a caller that uses them is responsible for resuming them consistently.
 */
import type * as tf from '@tensorflow/tfjs';

/** What a custom loss sees for one batch (tensors live inside the step's tf.tidy). */
export interface LossContext {
  /** The model's logits [N, K], on the gradient tape. */
  readonly logits: tf.Tensor2D;
  /** Targets [N, K]: one-hot, or soft after mixup. */
  readonly targets: tf.Tensor2D;
  /** The batch exactly as the model saw it (after augmentation and mixup), NHWC. */
  readonly x: tf.Tensor4D;
  /** Indices of the batch's images in the training split (before mixup). */
  readonly indices: Int32Array;
  /** True when the pixels were augmented or mixed, so `x` differs from the stored image at `indices`. */
  readonly transformed: boolean;
  /** The loss the config asks for (cross-entropy, label smoothing, focal, class weights) on `logits`. */
  readonly configuredLoss: (logits: tf.Tensor2D) => tf.Scalar;
}

/** A loss to minimise instead of the configured one; must be differentiable in `logits`. */
export type LossFunction = (context: LossContext) => tf.Scalar;

/** Where the loop is when `afterStep` runs. */
export interface StepInfo {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  /** Steps per epoch. */
  readonly stepsPerEpoch: number;
  /** Optimizer steps taken so far in this run, this one included (1-based). */
  readonly globalStep: number;
}

/** Called after every optimizer step, before the next batch is read. */
export type AfterStepHook = (info: StepInfo) => void | Promise<void>;
