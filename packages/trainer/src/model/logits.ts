/**
 * Finds a classifier's logits. Zoo models end in a dense layer named `logits` followed by a
 * softmax layer named `probs`; the trainer computes its losses from the logits, through a
 * sub-model from the model's inputs to the logits that shares every layer (and so every weight)
 * with the full model. A model without a `logits` layer whose last layer is a separate softmax
 * (a Softmax layer or an Activation('softmax')) uses that layer's input; a model whose last layer
 * is not a softmax is taken to output logits already.
 */
import { UnsupportedError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

function activationOf(layer: tf.layers.Layer): unknown {
  return (layer.getConfig() as { activation?: unknown }).activation;
}

/** True when the layer is a stand-alone softmax (Softmax, or Activation with softmax). */
export function isSoftmaxLayer(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  return cls === 'Softmax' || (cls === 'Activation' && activationOf(layer) === 'softmax');
}

/** The layer that produces the logits (the `logits` layer, or what feeds the final softmax). */
export function logitsLayer(model: tf.LayersModel): tf.layers.Layer {
  const named = model.layers.find((l) => l.name === 'logits');
  if (named !== undefined) return named;
  const last = model.layers[model.layers.length - 1];
  if (last === undefined) throw new UnsupportedError('the model has no layers');
  if (isSoftmaxLayer(last)) {
    const input = last.inboundNodes[0]?.inboundLayers[0];
    if (input === undefined)
      throw new UnsupportedError(`cannot find the input of softmax layer '${last.name}'`);
    return input;
  }
  if (activationOf(last) === 'softmax') {
    throw new UnsupportedError(
      `the last layer '${last.name}' applies softmax inside itself, so its logits cannot be reached; ` +
        `build the model with a linear Dense named 'logits' followed by a softmax layer named 'probs'`,
      { layer: last.name },
    );
  }
  return last;
}

/** A model from `model`'s inputs to its logits, sharing all weights with it (or `model` itself). */
export function logitsModel(model: tf.LayersModel): tf.LayersModel {
  const layer = logitsLayer(model);
  const output = layer.output;
  if (Array.isArray(output)) throw new UnsupportedError(`layer '${layer.name}' has several outputs`);
  if (model.outputs.length === 1 && model.outputs[0] === output) return model;
  return tf.model({ inputs: model.inputs, outputs: output, name: `${model.name}_logits` });
}

/** Number of classes: the size of the logits' last axis. */
export function numClassesOf(model: tf.LayersModel): number {
  const shape = logitsLayer(model).outputShape as (number | null)[];
  const k = shape[shape.length - 1];
  if (typeof k !== 'number') throw new UnsupportedError('the logits layer has no static class axis');
  return k;
}
