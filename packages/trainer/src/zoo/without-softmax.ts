/**
 * How the trainer and the distiller get logits from a zoo model (`withoutSoftmax`): a second functional model over the
 * same input whose output is the `logits` layer. Its layers (and so its weights) are the very
 * layers of the original, so training it trains the original, whose `probs` output is what gets
 * exported.
 */

import { UnsupportedError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { LOGITS_LAYER_NAME, PROBS_LAYER_NAME } from './blocks/classifier-head.js';

/** The zoo model without its final `probs` softmax: same layers and weights, outputs the `logits` layer. */
export function withoutSoftmax(model: tf.LayersModel): tf.LayersModel {
  const layer = model.layers.find((l) => l.name === LOGITS_LAYER_NAME);
  if (layer === undefined) {
    throw new UnsupportedError(
      `model '${model.name}' has no layer named '${LOGITS_LAYER_NAME}': only models whose logits layer is named so (every zoo model) can be split`,
      { model: model.name },
    );
  }
  return tf.model({
    inputs: model.inputs,
    outputs: layer.output as tf.SymbolicTensor,
    name: `${model.name}_logits`,
  });
}

/** True when the model's output layer is the zoo's softmax `probs` layer. */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  return model.outputLayers.length === 1 && model.outputLayers[0]?.name === PROBS_LAYER_NAME;
}
