/**
 * The models every emitter conformance suite runs: the trainer's zoo when `buildModel` is exported
 * from @edgeml/trainer, otherwise the stand-ins of stand-in-models.ts (same layer types). Every
 * model is re-initialised from a seed with BatchNorm statistics perturbed, and its logits
 * rescaled so that the softmax does not saturate. Test fixtures only.
 */

import type * as tf from '@tensorflow/tfjs';
import {
  calibrateLogits,
  randomizeWeights,
  standInLenet,
  standInMobilenet,
  standInResnet,
} from './stand-in-models.js';

/** A named model factory for conformance tests. */
export interface ConformanceModel {
  /** Display name (zoo name and options). */
  readonly name: string;
  /** Builds the model with seeded random weights. */
  readonly build: () => tf.LayersModel;
}

type BuildModel = (name: string, options: Record<string, unknown>) => tf.LayersModel;

/** The zoo models and options the suites cover. */
const ZOO_CASES: readonly { name: string; options: Record<string, unknown> }[] = [
  { name: 'lenet5', options: {} },
  { name: 'cnn-tiny', options: {} },
  { name: 'cnn-small', options: {} },
  // The seed article's CNN: convs with biases and no BatchNorm (a pattern the others lack).
  { name: 'article-cnn', options: {} },
  { name: 'reference-cnn', options: {} },
  { name: 'resnet8', options: { se: true } },
  { name: 'resnet20', options: {} },
  { name: 'mobilenetv2-tiny', options: { se: true } },
];

/** Returns the conformance models and whether they come from the zoo. */
export async function conformanceModels(
  seed = 1,
): Promise<{ source: 'zoo' | 'stand-ins'; models: ConformanceModel[] }> {
  const trainer = (await import('@edgeml/trainer')) as unknown as Record<string, unknown>;
  const buildModel = trainer['buildModel'] as BuildModel | undefined;
  const seeded = (make: () => tf.LayersModel) => () => {
    const model = make();
    randomizeWeights(model, seed);
    calibrateLogits(model, 3, seed);
    return model;
  };
  if (typeof buildModel === 'function') {
    return {
      source: 'zoo',
      models: ZOO_CASES.map(({ name, options }) => ({
        name: options['se'] ? `${name} (se)` : name,
        build: seeded(() => buildModel(name, { inputShape: [28, 28, 1], numClasses: 10, seed, ...options })),
      })),
    };
  }
  return {
    source: 'stand-ins',
    models: [
      { name: 'stand-in lenet (sequential)', build: seeded(() => standInLenet()) },
      { name: 'stand-in resnet (se, pad)', build: seeded(() => standInResnet()) },
      { name: 'stand-in mobilenetv2 (concat)', build: seeded(() => standInMobilenet()) },
    ],
  };
}
