/**
 * The contract between `buildModel` and each model file: what options the model takes and how it
 * builds its functional graph from validated options.
 */

import * as tf from '@tensorflow/tfjs';
import type { ResolvedZooOptions, ZooModelTraits } from './options.js';

/** One zoo model: its traits (accepted options, smallest input) and its builder. */
export interface ZooModelDefinition {
  /** Accepted options and input limits, checked before `build` runs. */
  readonly traits: ZooModelTraits;
  /** Builds the model from validated options; the output is the `probs` softmax layer. */
  build(options: ResolvedZooOptions): tf.LayersModel;
}

/** Name of the input layer of every zoo model. */
export const INPUT_LAYER_NAME = 'input';

/** The symbolic NHWC input of a zoo model. */
export function zooInput(options: ResolvedZooOptions): tf.SymbolicTensor {
  return tf.input({ shape: [...options.inputShape], name: INPUT_LAYER_NAME });
}

/** Wraps input and probs into a functional model named after the zoo name (`-` becomes `_`). */
export function zooModel(
  zooName: string,
  input: tf.SymbolicTensor,
  probs: tf.SymbolicTensor,
): tf.LayersModel {
  return tf.model({ inputs: input, outputs: probs, name: zooName.replace(/-/g, '_') });
}
