/**
 * Transfer-learning helpers: freeze the backbone (everything before the head) or the first N
 * layers, unfreeze everything again, and replace the head with a new `logits` dense layer and a
 * `probs` softmax for a different class count. Layers are counted as `model.layers` lists them
 * (the input layer included), as in `model.summary()`.
 */
import { ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { logitsLayer } from '../model/logits.js';

/** Index in `model.layers` of the head (the logits layer). */
export function headIndex(model: tf.LayersModel): number {
  return model.layers.indexOf(logitsLayer(model));
}

/** Freezes every layer before the head; the head and what follows stay trainable. */
export function freezeBackbone(model: tf.LayersModel): void {
  const head = headIndex(model);
  model.layers.forEach((layer, i) => {
    layer.trainable = i >= head;
  });
}

/** Freezes the first `n` layers of `model.layers`; the others become trainable. */
export function freezeFirstLayers(model: tf.LayersModel, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > model.layers.length) {
    throw new ConfigError(
      `'freeze' must be an integer in [0, ${model.layers.length}] (the model's layers), got ${n}`,
      {
        key: 'freeze',
        got: n,
      },
    );
  }
  model.layers.forEach((layer, i) => {
    layer.trainable = i >= n;
  });
}

/** Makes every layer trainable again. */
export function unfreezeAll(model: tf.LayersModel): void {
  for (const layer of model.layers) layer.trainable = true;
}

/** Applies a `freeze` setting: 'none' unfreezes all, 'backbone' or N freezes as above. */
export function applyFreeze(model: tf.LayersModel, freeze: 'none' | 'backbone' | number): void {
  if (freeze === 'none') unfreezeAll(model);
  else if (freeze === 'backbone') freezeBackbone(model);
  else freezeFirstLayers(model, freeze);
}

/** Options of replaceHead. */
export interface ReplaceHeadOptions {
  /** Seed of the new head's Glorot-uniform kernel (passed to tfjs as seed + 1: tfjs ignores 0). @default 0 */
  readonly seed?: number;
}

/**
 * A new model sharing every layer of `model` up to the head's input (the features), topped with a
 * fresh dense `logits` layer of `numClasses` units and a softmax `probs` layer.
 */
export function replaceHead(
  model: tf.LayersModel,
  numClasses: number,
  options: ReplaceHeadOptions = {},
): tf.LayersModel {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new ConfigError(`'numClasses' must be an integer >= 2, got ${numClasses}`, {
      key: 'numClasses',
      got: numClasses,
    });
  }
  const features = logitsLayer(model).input;
  if (Array.isArray(features)) throw new ConfigError('the head has several inputs; cannot replace it', {});
  const logits = tf.layers
    .dense({
      units: numClasses,
      name: 'logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: (options.seed ?? 0) + 1 }),
    })
    .apply(features) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ name: 'probs' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: probs, name: `${model.name}_head${numClasses}` });
}

/** Options of modelForLabels. */
export interface ModelForLabelsOptions {
  /** A fresh head even when the source already predicts exactly `labels`. @default false */
  readonly newHead?: boolean;
  /** Seed of the new head (replaceHead). @default 0 */
  readonly seed?: number;
}

/**
 * The model to fine-tune for `labels`: `model` itself when it was trained on exactly those labels
 * in that order (continued training), else its backbone with a fresh head of `labels.length`
 * classes (replaceHead). A head is replaced when the names differ even if the count does not:
 * the head trained for classes 0-4 of CIFAR-10 means nothing for classes 5-9.
 */
export function modelForLabels(
  model: tf.LayersModel,
  sourceLabels: readonly string[],
  labels: readonly string[],
  options: ModelForLabelsOptions = {},
): { model: tf.LayersModel; newHead: boolean } {
  const same = sourceLabels.length === labels.length && sourceLabels.every((name, i) => name === labels[i]);
  if (same && options.newHead !== true) return { model, newHead: false };
  return { model: replaceHead(model, labels.length, { seed: options.seed ?? 0 }), newHead: true };
}
