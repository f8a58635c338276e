/**
 * The head every zoo model ends with: a dense layer named `logits` (linear, the trainer's and the
 * distiller's output) followed by a separate softmax Activation layer named `probs` (the exported
 * model's output, probabilities).
 */

import * as tf from '@tensorflow/tfjs';
import type { InitializerSeeds } from '../seeded-initializers.js';
import { channelsOf } from './conv-bn-act.js';

/** Name of the dense layer whose output is the logits in every zoo model. */
export const LOGITS_LAYER_NAME = 'logits';

/** Name of the final softmax layer (the model output, probabilities) in every zoo model. */
export const PROBS_LAYER_NAME = 'probs';

/** Adds `logits` (dense, numClasses units, Glorot uniform or the PyTorch scheme) and `probs` (softmax); returns probs. */
export function classifierHead(
  x: tf.SymbolicTensor,
  numClasses: number,
  init: InitializerSeeds,
): tf.SymbolicTensor {
  const logits = tf.layers
    .dense({
      name: LOGITS_LAYER_NAME,
      units: numClasses,
      kernelInitializer: init.outputKernel(),
      biasInitializer: init.bias(channelsOf(x)),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.layers
    .activation({ activation: 'softmax', name: PROBS_LAYER_NAME })
    .apply(logits) as tf.SymbolicTensor;
}
