/**
 * One optimizer step: forward in training mode (dropout on, BatchNorm on batch statistics and
 * updating its moving averages), loss from the logits, gradients of the trainable variables,
 * optimizer update. All temporaries live inside tf.tidy; only the loss and the count of correct
 * predictions come out, as tensors the caller reads and disposes.
 *
 * Dropout in tfjs-layers draws its masks from Math.random (its layers take a fixed seed at most,
 * which would repeat one mask forever). For reproducible and resumable runs, the step runs with
 * Math.random temporarily replaced by the trainer's seeded generator. The step is synchronous,
 * so no other code can observe the replacement, and the original is always put back.
 */
import { EdgemlError, type SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import type { LossFunction } from './hooks.js';
import { classificationLoss, type LossOptions } from './losses.js';
import type { KeyedVariable, TrainingOptimizer } from './optimizer.js';

/** Inputs of one step. */
export interface StepInput {
  /** NHWC pixels. */
  readonly x: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** Targets [n, k]: one-hot, or soft after mixup. */
  readonly targets: Float32Array;
  /** Original labels, for the accuracy count. */
  readonly labels: Int32Array;
  readonly numClasses: number;
  /** Indices of the images in the training split (for a custom loss). */
  readonly indices?: Int32Array;
  /** True when `x` was augmented or mixed. */
  readonly transformed?: boolean;
}

/** Tensors produced by a step (the caller disposes them). */
export interface StepOutput {
  readonly loss: tf.Scalar;
  readonly correct: tf.Scalar;
}

/** Where a run diverged. */
export interface DivergenceDetails {
  /** The non-finite loss (NaN or ±Infinity). */
  readonly loss: number;
  /** Which loss: a training step's, or an evaluation's after an epoch. @default 'train' */
  readonly split?: 'train' | 'validation' | 'test';
  /** 1-based epoch (of the step, or after which the evaluation ran). */
  readonly epoch: number;
  /** 1-based step of the batch (training losses only). */
  readonly step?: number;
  /** Learning rate of that step (after warm-up and schedule), or of the epoch's last step. */
  readonly lr: number;
  /** The configured learning rate ('optimizer.lr'). */
  readonly configuredLr: number;
}

function divergenceMessage(d: DivergenceDetails): string {
  const where =
    d.split === undefined || d.split === 'train'
      ? `the loss became ${d.loss} at epoch ${d.epoch}, step ${d.step ?? '?'}`
      : `the ${d.split} loss became ${d.loss} after epoch ${d.epoch}: the weights no longer give finite outputs`;
  return (
    `training diverged: ${where} (learning rate ${d.lr.toPrecision(3)}). ` +
    `A lower learning rate may help: 'optimizer.lr' (--lr) is ${d.configuredLr}`
  );
}

/**
 * A run diverged: a training step's loss, or the validation or test loss after an epoch, is NaN or
 * infinite, most often because the learning rate is too high. Thrown at once (code
 * TRAINING_DIVERGED, exit code 1), before more epochs of NaN are trained and written.
 */
export class TrainingDivergedError extends EdgemlError {
  constructor(details: DivergenceDetails) {
    super('TRAINING_DIVERGED', divergenceMessage(details), {
      ...details,
      split: details.split ?? 'train',
      loss: String(details.loss),
    });
  }
}

/** Runs `fn` with Math.random drawing from `rng`; restores Math.random afterwards. */
export function withSeededMathRandom<T>(rng: SeededRandom, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** One training step of `net` (a model that outputs logits) on a batch. */
export function trainStep(
  net: tf.LayersModel,
  vars: readonly KeyedVariable[],
  optimizer: TrainingOptimizer,
  input: StepInput,
  lossOptions: LossOptions,
  lr: number,
  dropoutRng: SeededRandom,
  lossFn?: LossFunction,
): StepOutput {
  return withSeededMathRandom(dropoutRng, () =>
    tf.tidy(() => {
      const n = input.shape[0];
      const xs = tf.tensor4d(input.x, [...input.shape]);
      const ys = tf.tensor2d(input.targets, [n, input.numClasses]);
      let logits: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(
        () => {
          const out = net.apply(xs, { training: true }) as tf.Tensor2D;
          logits = tf.keep(out);
          if (lossFn === undefined) return classificationLoss(out, ys, lossOptions);
          return lossFn({
            logits: out,
            targets: ys,
            x: xs,
            indices: input.indices ?? new Int32Array(0),
            transformed: input.transformed ?? false,
            configuredLoss: (z) => classificationLoss(z, ys, lossOptions),
          });
        },
        vars.map((v) => v.variable),
      );
      optimizer.apply(
        vars,
        vars.map((v) => grads[v.variable.name]!),
        lr,
      );
      const kept = logits!;
      const correct = kept.argMax(1).equal(tf.tensor1d(input.labels, 'int32')).sum() as tf.Scalar;
      kept.dispose();
      return { loss: value, correct };
    }),
  );
}
