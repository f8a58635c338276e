/**
 * The reference CNN of the project's speed table (FACTS.md): 28x28x1 input, conv 32 3x3 + batch
 * norm + ReLU, conv 32 3x3 + ReLU, max-pool 2, conv 64 3x3 + ReLU, max-pool 2, dense 128 + ReLU,
 * dense 10 + softmax; 'same' padding, trained with Adam. Seeded so that runs are comparable.
 */

import * as tf from '@tensorflow/tfjs';

/** Options of the reference CNN. */
export interface ReferenceCnnOptions {
  /** @default [28, 28, 1] */
  readonly inputShape?: readonly [number, number, number];
  /** @default 10 */
  readonly numClasses?: number;
  /** Seed of the weight initialisers. @default 1 */
  readonly seed?: number;
}

/** Builds (uncompiled) the reference CNN. */
export function buildReferenceCnn(options: ReferenceCnnOptions = {}): tf.Sequential {
  const inputShape = [...(options.inputShape ?? [28, 28, 1])];
  const numClasses = options.numClasses ?? 10;
  let seed = options.seed ?? 1;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const conv = (filters: number, extra: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: init(), ...extra });
  return tf.sequential({
    name: 'reference_cnn',
    layers: [
      conv(32, { inputShape, useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      conv(32, { activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64, { activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init() }),
    ],
  });
}
