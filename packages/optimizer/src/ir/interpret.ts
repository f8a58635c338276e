/**
 * A reference interpreter of the IR: runs a graph on float32 NHWC inputs with the plain kernels of
 * reference-kernels.ts. Slow and simple by design; it is the yardstick for passes and emitters.
 */

import { UnsupportedError } from '@edgeml/core';
import { invalidModel } from './errors.js';
import {
  activateInPlace,
  batchNorm,
  broadcastBinary,
  concat,
  convolve,
  dense,
  globalAvgPool,
  pad,
  pool,
  type RefTensor,
  softmax,
} from './reference-kernels.js';
import type { IrGraph, IrNode } from './types.js';

function runNode(node: IrNode, args: RefTensor[]): RefTensor {
  const x = args[0]!;
  const copy = () => new Float32Array(x.data);
  switch (node.op) {
    case 'Conv2D':
      return convolve(x, args[1]!, args[2]?.data, node.attrs, false);
    case 'DepthwiseConv2D':
      return convolve(x, args[1]!, args[2]?.data, node.attrs, true);
    case 'Dense':
      return dense(x, args[1]!, args[2]?.data, node.attrs.activation);
    case 'BatchNorm':
      return batchNorm(
        x,
        args.slice(1).map((a) => a.data),
        node.attrs.epsilon,
      );
    case 'ReLU':
      return { data: activateInPlace(copy(), 'relu'), shape: x.shape };
    case 'ReLU6':
      return { data: activateInPlace(copy(), 'relu6'), shape: x.shape };
    case 'Sigmoid':
      return { data: activateInPlace(copy(), 'sigmoid'), shape: x.shape };
    case 'HardSwish':
      return { data: activateInPlace(copy(), 'hardSwish'), shape: x.shape };
    case 'Identity':
      return x;
    case 'Add': {
      const sum = args.slice(1).reduce((a, b) => broadcastBinary(a, b, (p, q) => p + q), x);
      const activation = node.attrs.activation ?? 'none';
      return activation === 'none' ? sum : { data: activateInPlace(sum.data, activation), shape: sum.shape };
    }
    case 'Mul':
      return args.slice(1).reduce((a, b) => broadcastBinary(a, b, (p, q) => p * q), x);
    case 'MaxPool':
      return pool(x, node.attrs, 'max');
    case 'AvgPool':
      return pool(x, node.attrs, 'avg');
    case 'GlobalAvgPool':
      return globalAvgPool(x, node.attrs.keepDims);
    case 'Flatten':
      return { data: x.data, shape: [x.shape[0]!, x.data.length / x.shape[0]!] };
    case 'Reshape':
      return { data: x.data, shape: [x.shape[0]!, ...node.attrs.shape] };
    case 'Concat':
      return concat(args, node.attrs.axis);
    case 'Pad':
      return pad(x, node.attrs);
    case 'Softmax':
      return softmax(x, node.attrs.axis);
    default:
      throw new UnsupportedError(`the reference interpreter cannot run op '${(node as IrNode).op}'`);
  }
}

/** Runs `graph` on float32 inputs (by graph input name) and returns every graph output by name. */
export function interpretGraph(
  graph: IrGraph,
  inputs: Readonly<Record<string, RefTensor>>,
): Record<string, RefTensor> {
  const values = new Map<string, RefTensor>();
  for (const name of graph.inputs) {
    const value = inputs[name];
    if (value === undefined) throw invalidModel(`no value given for graph input '${name}'`, { tensor: name });
    values.set(name, value);
  }
  for (const [name, t] of Object.entries(graph.tensors)) {
    if (t.data === undefined) continue;
    if (!(t.data instanceof Float32Array)) {
      throw new UnsupportedError(`the reference interpreter runs float32 graphs; '${name}' is ${t.dtype}`);
    }
    values.set(name, { data: t.data, shape: t.shape });
  }
  for (const node of graph.nodes) {
    const args = node.inputs.map((name) => {
      const v = values.get(name);
      if (v === undefined) throw invalidModel(`node '${node.name}' reads '${name}' before it is computed`);
      return v;
    });
    values.set(node.outputs[0]!, runNode(node, args));
  }
  const result: Record<string, RefTensor> = {};
  for (const name of graph.outputs) result[name] = values.get(name)!;
  return result;
}
