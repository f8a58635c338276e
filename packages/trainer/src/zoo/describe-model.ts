/**
 * `describeModel`: parameters and multiply-accumulates (MACs) per layer, computed from the layers'
 * shapes and configs, for tables, budgets and pruning reports.
 *
 * MAC convention (one inference, batch 1, biases not counted):
 *   Conv2D           Hout * Wout * Cout * kh * kw * Cin   (TF.js has no groups: groups = 1)
 *   DepthwiseConv2D  Hout * Wout * Cin * depthMultiplier * kh * kw
 *   Dense            (product of the leading non-batch dims) * in * out
 *   everything else  0: batch norm (folds into the conv before export), activations, pooling,
 *                    add, multiply, reshape, softmax are element-wise or data movement and are
 *                    not counted.
 */

import { UnsupportedError } from '@edgeml/core';
import type * as tf from '@tensorflow/tfjs';

/** One layer's row in a model description. */
export interface LayerDescription {
  /** Layer name, e.g. `stage2_block1_conv1`. */
  readonly name: string;
  /** TF.js class name, e.g. `Conv2D`, `BatchNormalization`. */
  readonly className: string;
  /** Output shape without the batch axis, e.g. [14, 14, 32]. */
  readonly outputShape: readonly number[];
  /** Weights of this layer (trainable and not, e.g. BN moving statistics). */
  readonly params: number;
  /** Multiply-accumulates of one inference (see the convention above). */
  readonly macs: number;
}

/** Totals and per-layer rows of a model. */
export interface ModelDescription {
  /** All weights, including BN moving means and variances. */
  readonly params: number;
  /** Trainable weights only. */
  readonly trainableParams: number;
  /** Multiply-accumulates of one inference (batch 1). */
  readonly macs: number;
  /** One row per layer, in the model's topological order. */
  readonly layers: readonly LayerDescription[];
}

/** Layers with weights whose MACs are 0 by convention (weight-free layers are always 0). */
const ZERO_MAC_WEIGHTED = new Set(['BatchNormalization']);

/** Parameters and MACs, in total and per layer, of a single-input LayersModel. */
export function describeModel(model: tf.LayersModel): ModelDescription {
  const layers: LayerDescription[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const params = layer.countParams();
    // Node 0 is the layer's call in this model (a later call on another input adds node 1, ...).
    const inputShape = withoutBatch(layer.getInputAt(0), layer.name);
    const outputShape = withoutBatch(layer.getOutputAt(0), layer.name);
    layers.push({
      name: layer.name,
      className,
      outputShape,
      params,
      macs: layerMacs(layer, inputShape, outputShape),
    });
  }
  const trainableParams = model.trainableWeights.reduce((sum, w) => sum + size(w.shape), 0);
  return {
    params: model.countParams(),
    trainableParams,
    macs: layers.reduce((sum, l) => sum + l.macs, 0),
    layers,
  };
}

function layerMacs(layer: tf.layers.Layer, input: readonly number[], output: readonly number[]): number {
  const className = layer.getClassName();
  const config = layer.getConfig();
  switch (className) {
    case 'Conv2D': {
      const [kh, kw] = kernelSize(config['kernelSize']);
      const cin = input[input.length - 1] ?? 0;
      return size(output) * kh * kw * cin;
    }
    case 'DepthwiseConv2D': {
      const [kh, kw] = kernelSize(config['kernelSize']);
      return size(output) * kh * kw;
    }
    case 'Dense': {
      const inUnits = input[input.length - 1] ?? 0;
      return size(output) * inUnits;
    }
    default:
      if (layer.countParams() === 0 || ZERO_MAC_WEIGHTED.has(className)) return 0;
      throw new UnsupportedError(`describeModel cannot count MACs of layer '${layer.name}' (${className})`, {
        layer: layer.name,
        className,
      });
  }
}

function kernelSize(value: unknown): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number')
    return [value[0], value[1]];
  throw new UnsupportedError(`unexpected kernelSize ${JSON.stringify(value)}`);
}

function withoutBatch(tensor: tf.SymbolicTensor | tf.SymbolicTensor[], layerName: string): number[] {
  // Merge layers (Add, Multiply, Concatenate) have several inputs; the first one is enough for MACs.
  const first = Array.isArray(tensor) ? tensor[0] : tensor;
  if (first === undefined) throw new UnsupportedError(`layer '${layerName}' has no input`);
  return first.shape.slice(1).map((d) => {
    if (typeof d !== 'number') throw new UnsupportedError(`layer '${layerName}' has a dynamic shape`);
    return d;
  });
}

function size(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((p, d) => p * (d ?? 1), 1);
}
