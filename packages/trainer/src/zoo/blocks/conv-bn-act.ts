/**
 * The zoo's building bricks: a convolution (optionally followed by batch normalisation) and an
 * activation as separate, clearly named layers. Activations are never fused into conv/dense layers,
 * so BN folding and the exporters see one uniform pattern: Conv2D -> BatchNormalization -> ReLU.
 */

import * as tf from '@tensorflow/tfjs';
import type { InitializerSeeds } from '../seeded-initializers.js';

/** Activation after a convolution or dense layer: ReLU, ReLU6 (MobileNetV2) or none (linear). */
export type ZooActivation = 'relu' | 'relu6' | 'linear';

/**
 * Batch-norm settings of the whole zoo: momentum 0.9 and epsilon 1e-5, the PyTorch / He et al.
 * values, so moving statistics settle within a few hundred steps and match PyTorch baselines.
 */
export const ZOO_BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;

/** Applies `activation` as its own layer named `name` (no layer for 'linear'). */
export function applyActivation(
  x: tf.SymbolicTensor,
  activation: ZooActivation,
  name: string,
): tf.SymbolicTensor {
  if (activation === 'linear') return x;
  const layer = activation === 'relu6' ? tf.layers.reLU({ maxValue: 6, name }) : tf.layers.reLU({ name });
  return layer.apply(x) as tf.SymbolicTensor;
}

/** Batch normalisation over the channel axis with the zoo's settings. */
export function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.batchNormalization({ axis: -1, ...ZOO_BATCH_NORM, name }).apply(x) as tf.SymbolicTensor;
}

/** Arguments of convBnAct. */
export interface ConvBnActArgs {
  /** Name of the conv layer; BN and activation are `${name}_bn` and `${name}_${activation}`. */
  readonly name: string;
  /** Output channels. */
  readonly filters: number;
  /** Square kernel side. */
  readonly kernelSize: number;
  /** Stride. @default 1 */
  readonly strides?: number;
  /** Padding. @default 'same' */
  readonly padding?: 'same' | 'valid';
  /** Add batch normalisation after the conv (the conv then has no bias). @default true */
  readonly batchNorm?: boolean;
  /** Activation after conv (and BN). @default 'relu' */
  readonly activation?: ZooActivation;
  /** Seeded initializers of the model being built. */
  readonly init: InitializerSeeds;
}

/** conv2d [-> batchNorm] [-> activation], initialised by the model's scheme (He normal by default). */
export function convBnAct(x: tf.SymbolicTensor, args: ConvBnActArgs): tf.SymbolicTensor {
  const withBn = args.batchNorm ?? true;
  const activation = args.activation ?? 'relu';
  const fanIn = args.kernelSize * args.kernelSize * channelsOf(x);
  let y = tf.layers
    .conv2d({
      name: args.name,
      filters: args.filters,
      kernelSize: args.kernelSize,
      strides: args.strides ?? 1,
      padding: args.padding ?? 'same',
      useBias: !withBn,
      kernelInitializer: args.init.kernel(),
      ...(!withBn && { biasInitializer: args.init.bias(fanIn) }),
    })
    .apply(x) as tf.SymbolicTensor;
  if (withBn) y = batchNorm(y, `${args.name}_bn`);
  return applyActivation(y, activation, `${args.name}_${activation}`);
}

/** dense [-> activation], initialised by the model's scheme (He normal by default), for hidden fully connected layers. */
export function denseAct(
  x: tf.SymbolicTensor,
  units: number,
  name: string,
  init: InitializerSeeds,
  activation: ZooActivation = 'relu',
): tf.SymbolicTensor {
  const y = tf.layers
    .dense({ name, units, kernelInitializer: init.kernel(), biasInitializer: init.bias(channelsOf(x)) })
    .apply(x) as tf.SymbolicTensor;
  return applyActivation(y, activation, `${name}_${activation}`);
}

/** Channels (last axis) of a symbolic NHWC tensor. */
export function channelsOf(x: tf.SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (typeof c !== 'number') throw new Error(`tensor ${x.name} has no static channel count`);
  return c;
}
