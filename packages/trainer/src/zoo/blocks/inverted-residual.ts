/**
 * The inverted residual block of MobileNetV2 (Sandler et al. 2018): 1x1 expand conv + BN + ReLU6
 * (skipped when the expansion is 1), 3x3 depthwise conv + BN + ReLU6, [squeeze-and-excitation],
 * 1x1 linear projection + BN, and a residual add when the stride is 1 and the channels match.
 */

import * as tf from '@tensorflow/tfjs';
import type { InitializerSeeds } from '../seeded-initializers.js';
import { applyActivation, batchNorm, channelsOf, convBnAct } from './conv-bn-act.js';
import { squeezeExcite } from './squeeze-excite.js';

/** Arguments of invertedResidual. */
export interface InvertedResidualArgs {
  /** Layer name prefix, e.g. `block3`. */
  readonly name: string;
  /** Expansion factor t. */
  readonly expansion: number;
  /** Output channels (already rounded to a multiple of 8). */
  readonly filters: number;
  /** Stride of the depthwise conv. */
  readonly strides: number;
  /** Squeeze-and-excitation ratio, or undefined for no SE. */
  readonly seRatio: number | undefined;
  /** Seeded initializers of the model being built. */
  readonly init: InitializerSeeds;
}

/** One inverted residual block; returns its output. */
export function invertedResidual(x: tf.SymbolicTensor, args: InvertedResidualArgs): tf.SymbolicTensor {
  const { name, expansion, filters, strides, init } = args;
  const inChannels = channelsOf(x);
  let y = x;
  if (expansion !== 1) {
    y = convBnAct(y, {
      name: `${name}_expand`,
      filters: inChannels * expansion,
      kernelSize: 1,
      activation: 'relu6',
      init,
    });
  }
  y = tf.layers
    .depthwiseConv2d({
      name: `${name}_depthwise`,
      kernelSize: 3,
      strides,
      padding: 'same',
      depthMultiplier: 1,
      useBias: false,
      depthwiseInitializer: init.depthwiseKernel(channelsOf(y)),
    })
    .apply(y) as tf.SymbolicTensor;
  y = batchNorm(y, `${name}_depthwise_bn`);
  y = applyActivation(y, 'relu6', `${name}_depthwise_relu6`);
  if (args.seRatio !== undefined) y = squeezeExcite(y, `${name}_se`, args.seRatio, init);
  y = convBnAct(y, { name: `${name}_project`, filters, kernelSize: 1, activation: 'linear', init });
  if (strides === 1 && inChannels === filters) {
    y = tf.layers.add({ name: `${name}_add` }).apply([x, y]) as tf.SymbolicTensor;
  }
  return y;
}
