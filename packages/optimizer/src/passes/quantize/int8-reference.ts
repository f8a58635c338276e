/**
 * The int8 reference interpreter: runs a quantised graph (quantizeGraph's output) the way an int8
 * runtime does, with the integer kernels of int8-kernels.ts for int8 nodes and the float reference
 * interpreter for float nodes; a value crossing between the two is quantised or dequantised with
 * its tensor's parameters, exactly where the ONNX and TFLite emitters put QuantizeLinear /
 * DequantizeLinear (QUANTIZE / DEQUANTIZE). The yardstick the int8 files are checked against.
 */

import { UnsupportedError } from '@edgeml/core';
import { interpretGraph } from '../../ir/interpret.js';
import type { RefTensor } from '../../ir/reference-kernels.js';
import type { IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import {
  activationInt8,
  addInt8,
  convInt8,
  denseInt8,
  globalAvgPoolInt8,
  type Int8Value,
  poolInt8,
} from './int8-kernels.js';
import { dequantizeTensor, quantizeTensor } from './quant-math.js';
import { isInt8Node } from './quantize-graph.js';

/** A graph output of the int8 interpreter: its float value and, for int8 tensors, the integers. */
export interface Int8Output {
  readonly value: RefTensor;
  readonly int8?: Int8Value;
}

type Value = { readonly float?: RefTensor; readonly int8?: Int8Value };

function weightOf(t: IrTensor): {
  data: Int8Array;
  shape: readonly number[];
  quant: NonNullable<IrTensor['quant']>;
} {
  if (!(t.data instanceof Int8Array) || t.quant === undefined) {
    throw new UnsupportedError(`tensor '${t.name}' must be an int8 initializer with quantisation parameters`);
  }
  return { data: t.data, shape: t.shape, quant: t.quant };
}

function runInt8Node(graph: IrGraph, node: IrNode, args: readonly Int8Value[]): Int8Value {
  const outQuant = graph.tensors[node.outputs[0]!]!.quant!;
  const x = args[0]!;
  switch (node.op) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
      return convInt8(
        x,
        weightOf(graph.tensors[node.inputs[1]!]!),
        graph.tensors[node.inputs[2]!]!.data as Int32Array,
        node.attrs,
        node.op === 'DepthwiseConv2D',
        outQuant,
      );
    case 'Dense':
      return denseInt8(
        x,
        weightOf(graph.tensors[node.inputs[1]!]!),
        graph.tensors[node.inputs[2]!]!.data as Int32Array,
        node.attrs.activation,
        outQuant,
      );
    case 'MaxPool':
      return poolInt8(x, node.attrs, 'max');
    case 'AvgPool':
      return poolInt8(x, node.attrs, 'avg');
    case 'GlobalAvgPool':
      return globalAvgPoolInt8(x, node.attrs.keepDims);
    case 'Flatten':
      return { ...x, shape: [x.shape[0]!, x.data.length / x.shape[0]!] };
    case 'Reshape':
      return { ...x, shape: [x.shape[0]!, ...node.attrs.shape] };
    case 'Add':
      return addInt8(x, args[1]!, node.attrs.activation ?? 'none', outQuant);
    case 'ReLU':
      return activationInt8(x, 'relu', outQuant);
    case 'ReLU6':
      return activationInt8(x, 'relu6', outQuant);
    default:
      throw new UnsupportedError(`no int8 kernel for op '${node.op}' (node '${node.name}')`);
  }
}

/** A float tensor as an initializer the float interpreter accepts (int8 weights dequantised). */
function floatInitializer(t: IrTensor): IrTensor {
  if (t.data === undefined || t.data instanceof Float32Array) return t;
  return { name: t.name, shape: t.shape, dtype: 'float32', data: dequantizeTensor(t.data, t.quant!) };
}

function runFloatNode(graph: IrGraph, node: IrNode, args: RefTensor[]): RefTensor {
  const tensors: Record<string, IrTensor> = {};
  const inputs: Record<string, RefTensor> = {};
  const graphInputs: string[] = [];
  node.inputs.forEach((name, i) => {
    const t = graph.tensors[name]!;
    if (t.data !== undefined) tensors[name] = floatInitializer(t);
    else {
      tensors[name] = t;
      graphInputs.push(name);
      inputs[name] = args[i]!;
    }
  });
  const out = node.outputs[0]!;
  tensors[out] = graph.tensors[out]!;
  const single: IrGraph = { ...graph, tensors, nodes: [node], inputs: graphInputs, outputs: [out] };
  return interpretGraph(single, inputs)[out]!;
}

/** Runs a quantised graph on float inputs; every graph output comes back dequantised (and as int8 when it is). */
export function interpretInt8Graph(
  graph: IrGraph,
  inputs: Readonly<Record<string, RefTensor>>,
): Record<string, Int8Output> {
  const values = new Map<string, Value>();
  for (const name of graph.inputs) values.set(name, { float: inputs[name]! });
  const asInt8 = (name: string): Int8Value => {
    const v = values.get(name)!;
    if (v.int8) return v.int8;
    const quant = graph.tensors[name]!.quant;
    if (quant === undefined)
      throw new UnsupportedError(`int8 node reads '${name}', which has no quantisation parameters`);
    const int8 = { data: quantizeTensor(v.float!.data, quant), shape: v.float!.shape, quant };
    values.set(name, { ...v, int8 });
    return int8;
  };
  const asFloat = (name: string): RefTensor => {
    const t = graph.tensors[name]!;
    if (t.data !== undefined) return { data: floatInitializer(t).data as Float32Array, shape: t.shape };
    const v = values.get(name)!;
    if (v.float) return v.float;
    const float = { data: dequantizeTensor(v.int8!.data, v.int8!.quant), shape: v.int8!.shape };
    values.set(name, { ...v, float });
    return float;
  };
  for (const node of graph.nodes) {
    const out = node.outputs[0]!;
    if (isInt8Node(graph, node)) {
      // Every non-constant input as int8 (weights and biases are read from the graph).
      const args = node.inputs.filter((name) => graph.tensors[name]!.data === undefined).map(asInt8);
      values.set(out, { int8: runInt8Node(graph, node, args) });
    } else {
      const args = node.inputs.map((name) =>
        graph.tensors[name]!.data !== undefined ? undefined : asFloat(name),
      );
      values.set(out, { float: runFloatNode(graph, node, args as RefTensor[]) });
    }
  }
  const result: Record<string, Int8Output> = {};
  for (const name of graph.outputs) {
    const v = values.get(name)!;
    result[name] = { value: asFloat(name), ...(v.int8 ? { int8: v.int8 } : {}) };
  }
  return result;
}
