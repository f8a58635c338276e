/**
 * IR -> TF.js LayersModel: rebuilds an equivalent functional model, one layer per IR node (named
 * after the node), and loads the IR's weights into it, so that passes that edit the IR (pruning)
 * can be followed by fine-tuning in TF.js.
 */

import { UnsupportedError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { floatData } from '../ir/graph.js';
import type { FusedActivation, IrGraph, IrNode } from '../ir/types.js';
import { validateGraph } from '../ir/validate.js';

type TfActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid';

function tfActivation(node: IrNode, activation: FusedActivation): TfActivation {
  if (activation === 'hardSwish') {
    throw new UnsupportedError(`node '${node.name}': TF.js has no hard-swish activation`, {
      node: node.name,
    });
  }
  return activation === 'none' ? 'linear' : activation;
}

/** Builds a TF.js functional model equivalent to `graph` (float32 graphs only). */
export function toLayersModel(graph: IrGraph): tf.LayersModel {
  validateGraph(graph);
  const values = new Map<string, tf.SymbolicTensor>();
  const pendingWeights: [tf.layers.Layer, string[]][] = [];
  const inputs = graph.inputs.map((name) => {
    const t = graph.tensors[name]!;
    const input = tf.input({ shape: t.shape.slice(1), name });
    values.set(name, input);
    return input;
  });
  const layerNames = new Set([...graph.inputs, ...graph.nodes.map((n) => n.name)]);
  const freshLayerName = (base: string) => {
    let name = base;
    for (let i = 1; layerNames.has(name); i++) name = `${base}_${i}`;
    layerNames.add(name);
    return name;
  };
  const arg = (name: string) => {
    const v = values.get(name);
    if (v === undefined)
      throw new UnsupportedError(`tensor '${name}' is not a layer output (constants feed only weights)`);
    return v;
  };
  for (const node of graph.nodes) {
    const x = arg(node.inputs[0]!);
    const name = node.name;
    let layer: tf.layers.Layer | undefined;
    let weights: string[] = [];
    switch (node.op) {
      case 'Conv2D': {
        const w = graph.tensors[node.inputs[1]!]!.shape;
        layer = tf.layers.conv2d({
          name,
          filters: w[3]!,
          kernelSize: [w[0]!, w[1]!],
          strides: [...node.attrs.strides],
          dilationRate: [...node.attrs.dilations],
          padding: node.attrs.padding,
          activation: tfActivation(node, node.attrs.activation),
          useBias: node.inputs.length > 2,
        });
        weights = node.inputs.slice(1);
        break;
      }
      case 'DepthwiseConv2D': {
        const w = graph.tensors[node.inputs[1]!]!.shape;
        layer = tf.layers.depthwiseConv2d({
          name,
          kernelSize: [w[0]!, w[1]!],
          depthMultiplier: node.attrs.depthMultiplier,
          strides: [...node.attrs.strides],
          dilationRate: [...node.attrs.dilations],
          padding: node.attrs.padding,
          activation: tfActivation(node, node.attrs.activation),
          useBias: node.inputs.length > 2,
        });
        weights = node.inputs.slice(1);
        break;
      }
      case 'Dense':
        layer = tf.layers.dense({
          name,
          units: graph.tensors[node.inputs[1]!]!.shape[1]!,
          activation: tfActivation(node, node.attrs.activation),
          useBias: node.inputs.length > 2,
        });
        weights = node.inputs.slice(1);
        break;
      case 'BatchNorm':
        layer = tf.layers.batchNormalization({ name, axis: -1, epsilon: node.attrs.epsilon });
        weights = node.inputs.slice(1);
        break;
      case 'ReLU':
        layer = tf.layers.reLU({ name });
        break;
      case 'ReLU6':
        layer = tf.layers.reLU({ name, maxValue: 6 });
        break;
      case 'Sigmoid':
        layer = tf.layers.activation({ name, activation: 'sigmoid' });
        break;
      case 'HardSwish':
        throw new UnsupportedError(`node '${name}': TF.js has no hard-swish layer`, { node: name });
      case 'Identity':
        values.set(node.outputs[0]!, x);
        continue;
      case 'Add':
      case 'Mul': {
        const merge = node.op === 'Add' ? tf.layers.add({ name }) : tf.layers.multiply({ name });
        let merged = merge.apply(node.inputs.map(arg)) as tf.SymbolicTensor;
        const activation = node.op === 'Add' ? (node.attrs.activation ?? 'none') : 'none';
        if (activation !== 'none') {
          // TF.js merge layers have no activation: a separate layer, named after the node.
          const actName = freshLayerName(`${name}_${activation}`);
          const act = tfActivation(node, activation);
          merged = (
            act === 'relu'
              ? tf.layers.reLU({ name: actName })
              : act === 'relu6'
                ? tf.layers.reLU({ name: actName, maxValue: 6 })
                : tf.layers.activation({ name: actName, activation: act })
          ).apply(merged) as tf.SymbolicTensor;
        }
        values.set(node.outputs[0]!, merged);
        continue;
      }
      case 'Concat': {
        const layerC = tf.layers.concatenate({ name, axis: node.attrs.axis });
        values.set(node.outputs[0]!, layerC.apply(node.inputs.map(arg)) as tf.SymbolicTensor);
        continue;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const args = {
          name,
          poolSize: [...node.attrs.poolSize] as [number, number],
          strides: [...node.attrs.strides] as [number, number],
          padding: node.attrs.padding,
        };
        layer = node.op === 'MaxPool' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
        break;
      }
      case 'GlobalAvgPool': {
        const pooled = tf.layers.globalAveragePooling2d({ name }).apply(x) as tf.SymbolicTensor;
        const c = pooled.shape[1] as number;
        values.set(
          node.outputs[0]!,
          node.attrs.keepDims
            ? (tf.layers
                .reshape({ name: `${name}_keepdims`, targetShape: [1, 1, c] })
                .apply(pooled) as tf.SymbolicTensor)
            : pooled,
        );
        continue;
      }
      case 'Flatten':
        layer = tf.layers.flatten({ name });
        break;
      case 'Reshape':
        layer = tf.layers.reshape({ name, targetShape: [...node.attrs.shape] });
        break;
      case 'Pad':
        layer = tf.layers.zeroPadding2d({
          name,
          padding: [[...node.attrs.pads[0]], [...node.attrs.pads[1]]],
        });
        break;
      case 'Softmax':
        layer =
          node.attrs.axis === (x.shape.length as number) - 1
            ? tf.layers.activation({ name, activation: 'softmax' })
            : tf.layers.softmax({ name, axis: node.attrs.axis });
        break;
    }
    values.set(node.outputs[0]!, layer.apply(x) as tf.SymbolicTensor);
    if (weights.length > 0) pendingWeights.push([layer, weights]);
  }
  const model = tf.model({ name: graph.name, inputs, outputs: graph.outputs.map(arg) });
  for (const [layer, names] of pendingWeights) {
    const tensors = names.map((n) => tf.tensor(floatData(graph, n), [...graph.tensors[n]!.shape]));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return model;
}
