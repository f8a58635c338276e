/**
 * Seeded weight initializers: one generator per model build hands every layer its own seed, so the
 * same model seed gives bit-identical initial weights while no two layers share a random stream.
 */

import { SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

/** A TF.js layers initializer. */
export type LayerInitializer = ReturnType<typeof tf.initializers.heNormal>;

/** Draws a fresh, seeded initializer for each layer, in build order. */
export class InitializerSeeds {
  private readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** He normal (variance scaling, fan_in, scale 2, truncated normal): for layers followed by ReLU. */
  he(): LayerInitializer {
    return tf.initializers.heNormal({ seed: this.nextSeed() });
  }

  /** Glorot uniform (the Keras default): for the logits and the sigmoid gate of squeeze-and-excitation. */
  glorot(): LayerInitializer {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /** A seed in [1, 2^31 - 1]: tfjs treats a seed of 0 as "no seed" and falls back to Math.random. */
  private nextSeed(): number {
    return 1 + this.random.int(0x7fff_fffe);
  }
}
