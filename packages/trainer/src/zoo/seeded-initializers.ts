/**
 * Seeded weight initializers: one generator per model build hands every layer its own seed, so the
 * same model seed gives bit-identical initial weights while no two layers share a random stream.
 *
 * Two schemes. 'he' (the default): He normal for hidden kernels, Glorot uniform for the logits and
 * the squeeze-and-excitation gate, zero biases (Keras practice). 'pytorch': PyTorch's default for
 * `nn.Conv2d` and `nn.Linear` (`kaiming_uniform_(a=sqrt(5))`), i.e. every kernel and every bias
 * uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], fan_in = kh * kw * cin for a conv (kh * kw for a
 * depthwise conv, whose PyTorch weight is [cin, 1, kh, kw]) and the input width for a dense layer.
 * Its kernel variance is 1 / (3 fan_in), a sixth of He normal's 2 / fan_in.
 */

import { SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

/** A TF.js layers initializer. */
export type LayerInitializer = ReturnType<typeof tf.initializers.heNormal>;

/** Initialisation schemes of the zoo. */
export const INIT_SCHEMES = ['he', 'pytorch'] as const;

/** An initialisation scheme: 'he' (He normal / Glorot, zero biases) or 'pytorch' (PyTorch's defaults). */
export type InitScheme = (typeof INIT_SCHEMES)[number];

/** PyTorch's kernel and bias bound for a layer with `fanIn` inputs per output: 1 / sqrt(fan_in). */
export function pytorchInitBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

/** Draws a fresh, seeded initializer for each layer, in build order. */
export class InitializerSeeds {
  private readonly random: SeededRandom;

  /** `scheme` 'he' draws exactly the seeds it always did, so existing seeded models keep their weights. */
  constructor(
    seed: number,
    readonly scheme: InitScheme = 'he',
  ) {
    this.random = new SeededRandom(seed);
  }

  /**
   * Kernel of a hidden conv or dense layer. 'he': He normal (variance scaling, fan_in, scale 2,
   * truncated normal), for layers followed by ReLU. 'pytorch': U(-1/sqrt(fan_in), 1/sqrt(fan_in))
   * with fan_in from the kernel's shape (TF.js computes kh * kw * cin for a conv, the input width
   * for a dense layer).
   */
  kernel(): LayerInitializer {
    if (this.scheme === 'pytorch') return this.pytorchKernel(1);
    return tf.initializers.heNormal({ seed: this.nextSeed() });
  }

  /**
   * Kernel of the logits and of the squeeze-and-excitation gate. 'he': Glorot uniform (the Keras
   * default). 'pytorch': the same uniform as every other PyTorch layer.
   */
  outputKernel(): LayerInitializer {
    if (this.scheme === 'pytorch') return this.pytorchKernel(1);
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /**
   * Depthwise kernel ([kh, kw, channels, 1]). 'he': He normal as TF.js computes it (fan_in kh * kw
   * * channels). 'pytorch': U(-1/sqrt(kh * kw), 1/sqrt(kh * kw)), PyTorch's fan_in of a grouped conv
   * with one input channel per group.
   */
  depthwiseKernel(channels: number): LayerInitializer {
    if (this.scheme === 'pytorch') return this.pytorchKernel(channels);
    return tf.initializers.heNormal({ seed: this.nextSeed() });
  }

  /** Bias of a layer with `fanIn` inputs per output: zeros ('he'), U(-1/sqrt(fan_in), 1/sqrt(fan_in)) ('pytorch'). */
  bias(fanIn: number): LayerInitializer | 'zeros' {
    if (this.scheme !== 'pytorch') return 'zeros';
    const bound = pytorchInitBound(fanIn);
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
  }

  /**
   * Variance scaling (fan_in, uniform) with scale `fanInFactor / 3`: TF.js draws from U(-l, l) with
   * l = sqrt(3 * scale / fan_in) = 1 / sqrt(fan_in / fanInFactor), where fan_in is TF.js's fan
   * from the kernel's shape and `fanInFactor` corrects it where PyTorch counts otherwise.
   */
  private pytorchKernel(fanInFactor: number): LayerInitializer {
    return tf.initializers.varianceScaling({
      scale: fanInFactor / 3,
      mode: 'fanIn',
      distribution: 'uniform',
      seed: this.nextSeed(),
    });
  }

  /** A seed in [1, 2^31 - 1]: tfjs treats a seed of 0 as "no seed" and falls back to Math.random. */
  private nextSeed(): number {
    return 1 + this.random.int(0x7fff_fffe);
  }
}
