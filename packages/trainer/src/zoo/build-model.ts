/**
 * `buildModel`: the one entry point of the model zoo. Looks the name up, validates the options
 * against what that model supports, and builds a fresh TF.js functional LayersModel whose output
 * layer `probs` is a softmax over the dense `logits` layer (see without-softmax.ts for the logits).
 */

import { ConfigError, formatAllowed } from '@edgeml/core';
import type * as tf from '@tensorflow/tfjs';
import { isZooModelName, ZOO_MODEL_NAMES, type ZooModelName } from './catalog.js';
import type { ZooModelDefinition } from './definition.js';
import { articleCnnDefinition } from './models/article-cnn.js';
import { cnnSmallDefinition } from './models/cnn-small.js';
import { cnnTinyDefinition } from './models/cnn-tiny.js';
import { lenet5Definition } from './models/lenet5.js';
import { mobilenetV2TinyDefinition } from './models/mobilenetv2-tiny.js';
import { referenceCnnDefinition } from './models/reference-cnn.js';
import { resnet8Definition, resnet20Definition } from './models/resnet.js';
import { resolveZooOptions, type ZooModelOptions, type ZooModelTraits } from './options.js';

const DEFINITIONS: Readonly<Record<ZooModelName, ZooModelDefinition>> = {
  lenet5: lenet5Definition,
  'cnn-tiny': cnnTinyDefinition,
  'cnn-small': cnnSmallDefinition,
  'article-cnn': articleCnnDefinition,
  'reference-cnn': referenceCnnDefinition,
  resnet8: resnet8Definition,
  resnet20: resnet20Definition,
  'mobilenetv2-tiny': mobilenetV2TinyDefinition,
};

function definitionOf(name: string): ZooModelDefinition {
  if (!isZooModelName(name)) {
    throw new ConfigError(`unknown model '${name}': expected ${formatAllowed(ZOO_MODEL_NAMES)}`, {
      model: name,
      allowed: ZOO_MODEL_NAMES,
    });
  }
  return DEFINITIONS[name];
}

/** The options a zoo model supports and its smallest input side; ConfigError for an unknown name. */
export function zooModelTraits(name: string): ZooModelTraits {
  return definitionOf(name).traits;
}

/**
 * Builds the zoo model `name` with fresh, seeded weights. Output: softmax probabilities
 * [batch, numClasses] from the layer `probs`; the logits are the layer `logits` (logitsModel).
 * Throws ConfigError for an unknown name, an option the model does not support, or a bad value.
 */
export function buildModel(name: string, options: ZooModelOptions): tf.LayersModel {
  const definition = definitionOf(name);
  return definition.build(resolveZooOptions(name, options, definition.traits));
}
