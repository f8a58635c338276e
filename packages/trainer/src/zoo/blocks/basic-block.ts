/**
 * The basic residual block of the CIFAR ResNets (He et al. 2016): conv 3x3 + BN + ReLU, conv 3x3 +
 * BN, [squeeze-and-excitation], add the shortcut, ReLU. The shortcut is the identity, or a 1x1
 * projection conv (stride s, no bias) + BN when the stride or the channel count changes (option B).
 */

import * as tf from '@tensorflow/tfjs';
import type { InitializerSeeds } from '../seeded-initializers.js';
import { applyActivation, channelsOf, convBnAct } from './conv-bn-act.js';
import { squeezeExcite } from './squeeze-excite.js';

/** Arguments of basicBlock. */
export interface BasicBlockArgs {
  /** Layer name prefix, e.g. `stage2_block1`. */
  readonly name: string;
  /** Output channels. */
  readonly filters: number;
  /** Stride of the first conv and of the projection. */
  readonly strides: number;
  /** Squeeze-and-excitation ratio, or undefined for no SE. */
  readonly seRatio: number | undefined;
  /** Seeded initializers of the model being built. */
  readonly init: InitializerSeeds;
}

/** One basic residual block; returns the block output (after the final ReLU). */
export function basicBlock(x: tf.SymbolicTensor, args: BasicBlockArgs): tf.SymbolicTensor {
  const { name, filters, strides, init } = args;
  let y = convBnAct(x, { name: `${name}_conv1`, filters, kernelSize: 3, strides, init });
  y = convBnAct(y, { name: `${name}_conv2`, filters, kernelSize: 3, activation: 'linear', init });
  if (args.seRatio !== undefined) y = squeezeExcite(y, `${name}_se`, args.seRatio, init);
  const shortcut =
    strides !== 1 || channelsOf(x) !== filters
      ? convBnAct(x, { name: `${name}_proj`, filters, kernelSize: 1, strides, activation: 'linear', init })
      : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
  return applyActivation(sum, 'relu', `${name}_out_relu`);
}
