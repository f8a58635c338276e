/**
 * Squeeze-and-excitation (Hu et al. 2018) from standard layers only: global average pooling ->
 * dense max(1, floor(C / r)) + ReLU -> dense C + sigmoid -> reshape [1, 1, C] -> multiply with the
 * input. The gate broadcasts over height and width inside the Multiply layer.
 */

import * as tf from '@tensorflow/tfjs';
import type { InitializerSeeds } from '../seeded-initializers.js';
import { channelsOf } from './conv-bn-act.js';

/** Units of the squeeze layer for `channels` and reduction ratio `ratio`. */
export function squeezeUnits(channels: number, ratio: number): number {
  return Math.max(1, Math.floor(channels / ratio));
}

/** Rescales the channels of `x` by a learned gate; layers are named `${name}_squeeze` ... `${name}_scale`. */
export function squeezeExcite(
  x: tf.SymbolicTensor,
  name: string,
  ratio: number,
  init: InitializerSeeds,
): tf.SymbolicTensor {
  const channels = channelsOf(x);
  let s = tf.layers.globalAveragePooling2d({ name: `${name}_squeeze` }).apply(x) as tf.SymbolicTensor;
  const units = squeezeUnits(channels, ratio);
  s = tf.layers
    .dense({
      name: `${name}_reduce`,
      units,
      kernelInitializer: init.kernel(),
      biasInitializer: init.bias(channels),
    })
    .apply(s) as tf.SymbolicTensor;
  s = tf.layers.reLU({ name: `${name}_reduce_relu` }).apply(s) as tf.SymbolicTensor;
  s = tf.layers
    .dense({
      name: `${name}_expand`,
      units: channels,
      kernelInitializer: init.outputKernel(),
      biasInitializer: init.bias(units),
    })
    .apply(s) as tf.SymbolicTensor;
  s = tf.layers.activation({ activation: 'sigmoid', name: `${name}_gate` }).apply(s) as tf.SymbolicTensor;
  s = tf.layers
    .reshape({ targetShape: [1, 1, channels], name: `${name}_reshape` })
    .apply(s) as tf.SymbolicTensor;
  return tf.layers.multiply({ name: `${name}_scale` }).apply([x, s]) as tf.SymbolicTensor;
}
