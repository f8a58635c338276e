/**
 * quantizeGraph: annotates a float graph (BatchNorm already folded, ReLU fused) with int8
 * quantisation, returning a new graph in which
 * - every int8 node (its output tensor has dtype `int8`) computes in integers: Conv2D,
 *   DepthwiseConv2D and Dense (any fused activation but sigmoid/hard-swish), the pools, Flatten,
 *   Reshape, ReLU and ReLU6 when their input is int8, and a two-input Add (no broadcasting, no
 *   fused activation or ReLU/ReLU6) whose inputs carry quantisation parameters: it reads two int8
 *   tensors with their own (different) parameters and writes its own calibrated ones, as TFLite's
 *   int8 ADD and onnxruntime's QLinearAdd do;
 * - weights of int8 conv/dense nodes are int8 (`dtype: 'int8'`, symmetric, zero point 0; per output
 *   channel, or per tensor with `perTensor`; Dense always per tensor, which every TFLite
 *   FULLY_CONNECTED kernel accepts), biases int32 with scale `inputScale * weightScale`;
 * - activation tensors carry per-tensor asymmetric `quant` from their calibrated range; pools,
 *   Flatten and Reshape reuse their input's parameters (TFLite requires it); a fused ReLU output's
 *   range starts at 0, so its zero point is -128 (what onnxruntime needs to absorb the ReLU);
 * - every other node stays float; its float output still carries `quant` when calibrated, so an
 *   int8 reader knows how to quantise it. Softmax outputs get the int8 softmax parameters
 *   (1/256, -128) used when a file has int8 outputs.
 * `mode: 'dynamic'` quantises only the conv/dense weights (activations stay float).
 */

import { ConfigError, formatAllowed } from '@edgeml/core';
import { floatData, producers, rebuildGraph, uniqueName } from '../../ir/graph.js';
import type { IrGraph, IrNode, IrTensor, QuantParams } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import type { IrPassResult, SkippedNode } from '../pass-result.js';
import type { ActivationRanges } from './calibrate.js';
import { activationParams, quantizeBias, quantizeWeights } from './quant-math.js';

/** Static (int8 weights and activations) or dynamic (int8 weights only). */
export type QuantizeMode = 'static' | 'dynamic';

/** Options of quantizeGraph. */
export interface QuantizeGraphOptions {
  /** @default 'static' */
  readonly mode?: QuantizeMode;
  /** One weight scale per tensor instead of per output channel. @default false */
  readonly perTensor?: boolean;
  /** Names of nodes to keep in float (accuracy-aware fallback). */
  readonly keepFloat?: readonly string[];
}

/** One quantised weight. */
export interface QuantizedWeight {
  readonly node: string;
  readonly tensor: string;
  /** Number of scales (1 = per tensor). */
  readonly scales: number;
}

/** What quantizeGraph did. */
export interface QuantizeGraphReport {
  readonly mode: QuantizeMode;
  /** Nodes that compute in int8. */
  readonly int8Nodes: readonly string[];
  /** Nodes left in float, with the reason. */
  readonly floatNodes: readonly SkippedNode[];
  readonly weights: readonly QuantizedWeight[];
}

const COMPUTE = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);
const SAME_PARAMS = new Set(['MaxPool', 'AvgPool', 'GlobalAvgPool', 'Flatten', 'Reshape']);
const ACTIVATIONS = new Set(['ReLU', 'ReLU6']);
/** Softmax output parameters of TFLite's int8 SOFTMAX (and the natural grid of probabilities). */
export const SOFTMAX_OUTPUT_PARAMS: QuantParams = { scale: [1 / 256], zeroPoint: [-128] };

/**
 * Number of weight scales quantizeGraph gives a Conv2D / DepthwiseConv2D / Dense kernel of `shape`:
 * one per output channel (depthwise: `in · multiplier`), or 1 for Dense and with `perTensor`.
 */
export function weightScaleCount(
  op: 'Conv2D' | 'DepthwiseConv2D' | 'Dense',
  shape: readonly number[],
  perTensor: boolean,
): number {
  if (perTensor || op === 'Dense') return 1;
  return shape[shape.length - 1]! * (op === 'DepthwiseConv2D' ? shape[2]! : 1);
}

/** True when `node` computes in int8 in a quantised graph (its output is an int8 tensor). */
export function isInt8Node(graph: IrGraph, node: IrNode): boolean {
  return graph.tensors[node.outputs[0]!]?.dtype === 'int8';
}

/** Why an Add cannot compute in int8 (undefined when it can). */
function addInt8Blocker(
  graph: IrGraph,
  node: IrNode & { op: 'Add' },
  paramsOf: (name: string) => QuantParams | undefined,
  outCalibrated: boolean,
): string | undefined {
  const activation = node.attrs.activation ?? 'none';
  if (activation !== 'none' && activation !== 'relu' && activation !== 'relu6') {
    return `fused activation '${activation}' has no int8 form here`;
  }
  if (node.inputs.length !== 2) return `int8 Add takes two inputs, this one has ${node.inputs.length}`;
  const out = graph.tensors[node.outputs[0]!]!;
  for (const name of node.inputs) {
    const t = graph.tensors[name]!;
    if (t.data !== undefined) return `input '${name}' is a constant`;
    if (t.shape.length !== out.shape.length || t.shape.some((d, i) => d !== out.shape[i])) {
      return `input '${name}' is broadcast`;
    }
    if (paramsOf(name) === undefined) return `no calibrated range for '${name}'`;
  }
  return outCalibrated ? undefined : `no calibrated range for '${out.name}'`;
}

/** Quantises `graph` with the calibrated activation `ranges` (unused in dynamic mode). */
export function quantizeGraph(
  input: IrGraph,
  ranges: ActivationRanges | undefined,
  options: QuantizeGraphOptions = {},
): IrPassResult<QuantizeGraphReport> {
  const graph = validateGraph(input);
  const mode = options.mode ?? 'static';
  if (mode !== 'static' && mode !== 'dynamic') {
    throw new ConfigError(
      `'mode' must be ${formatAllowed(['static', 'dynamic'])}, got ${JSON.stringify(mode)}`,
    );
  }
  if (mode === 'static' && ranges === undefined) {
    throw new ConfigError('static quantisation needs calibrated activation ranges');
  }
  const keepFloat = new Set(options.keepFloat ?? []);
  for (const name of keepFloat) {
    if (!graph.nodes.some((n) => n.name === name)) {
      throw new ConfigError(`'keepFloat' names node '${name}', which graph '${graph.name}' does not have`);
    }
  }
  const producerOf = producers(graph);
  const tensors = new Map<string, IrTensor>(Object.entries(graph.tensors));
  const taken = new Set<string>();
  const nodes: IrNode[] = [];
  const int8Nodes: string[] = [];
  const floatNodes: SkippedNode[] = [];
  const weights: QuantizedWeight[] = [];
  const paramsOf = (name: string): QuantParams | undefined => tensors.get(name)?.quant;
  const isInt8 = (name: string) => tensors.get(name)?.dtype === 'int8';
  const annotate = (name: string, quant: QuantParams, dtype: 'int8' | 'float32') => {
    tensors.set(name, { ...tensors.get(name)!, dtype, quant });
  };
  const rangeParams = (name: string) => {
    const r = ranges?.[name];
    return r === undefined ? undefined : activationParams(r);
  };

  if (mode === 'static') {
    for (const name of graph.inputs) {
      const q = rangeParams(name);
      if (q) annotate(name, q, 'float32');
    }
  }
  for (const node of graph.nodes) {
    const out = node.outputs[0]!;
    const x = node.inputs[0]!;
    const keepAsFloat = (reason: string) => {
      floatNodes.push({ node: node.name, reason });
      if (mode === 'static') {
        const q = node.op === 'Softmax' ? SOFTMAX_OUTPUT_PARAMS : rangeParams(out);
        if (q) annotate(out, q, 'float32');
      }
      nodes.push(node);
    };
    if (keepFloat.has(node.name)) {
      keepAsFloat('kept float on request');
      continue;
    }
    if (
      COMPUTE.has(node.op) &&
      (node.op === 'Conv2D' || node.op === 'DepthwiseConv2D' || node.op === 'Dense')
    ) {
      const act = node.attrs.activation;
      const outParams = rangeParams(out);
      const inParams = paramsOf(x);
      if (mode === 'static' && (act === 'sigmoid' || act === 'hardSwish')) {
        keepAsFloat(`fused activation '${act}' has no int8 form here`);
        continue;
      }
      if (mode === 'static' && (outParams === undefined || inParams === undefined)) {
        keepAsFloat(`no calibrated range for '${outParams ? x : out}'`);
        continue;
      }
      const wName = node.inputs[1]!;
      const wTensor = tensors.get(wName)!;
      const channels =
        wTensor.shape[wTensor.shape.length - 1]! * (node.op === 'DepthwiseConv2D' ? wTensor.shape[2]! : 1);
      const qw = quantizeWeights(
        floatData(graph, wName),
        wTensor.shape,
        weightScaleCount(node.op, wTensor.shape, options.perTensor ?? false),
      );
      const newW = uniqueName(graph, `${node.name}/kernel_int8`, taken);
      tensors.set(newW, { name: newW, shape: wTensor.shape, dtype: 'int8', data: qw.data, quant: qw.params });
      weights.push({ node: node.name, tensor: newW, scales: qw.params.scale.length });
      let inputs = [x, newW, ...node.inputs.slice(2)];
      if (mode === 'static') {
        const bias =
          node.inputs[2] === undefined ? new Float32Array(channels) : floatData(graph, node.inputs[2]);
        const qb = quantizeBias(bias, inParams!.scale[0]!, qw.params.scale);
        const newB = uniqueName(graph, `${node.name}/bias_int32`, taken);
        tensors.set(newB, { name: newB, shape: [channels], dtype: 'int32', data: qb.data, quant: qb.params });
        inputs = [x, newW, newB];
        annotate(out, outParams!, 'int8');
        int8Nodes.push(node.name);
      } else {
        floatNodes.push({ node: node.name, reason: 'dynamic quantisation: weights int8, compute float' });
      }
      nodes.push({ ...node, inputs } as IrNode);
      continue;
    }
    if (mode === 'static' && SAME_PARAMS.has(node.op) && isInt8(x)) {
      annotate(out, paramsOf(x)!, 'int8');
      int8Nodes.push(node.name);
      nodes.push(node);
      continue;
    }
    if (mode === 'static' && node.op === 'Add') {
      const why = addInt8Blocker(graph, node, paramsOf, rangeParams(out) !== undefined);
      if (why === undefined) {
        annotate(out, rangeParams(out)!, 'int8');
        int8Nodes.push(node.name);
        nodes.push(node);
      } else keepAsFloat(why);
      continue;
    }
    if (mode === 'static' && ACTIVATIONS.has(node.op) && isInt8(x) && rangeParams(out)) {
      annotate(out, rangeParams(out)!, 'int8');
      int8Nodes.push(node.name);
      nodes.push(node);
      continue;
    }
    const producer = producerOf.get(x);
    keepAsFloat(
      mode === 'dynamic'
        ? 'dynamic quantisation: activations stay float'
        : SAME_PARAMS.has(node.op) || ACTIVATIONS.has(node.op)
          ? `input '${x}' comes from float node '${producer?.name ?? x}'`
          : `op ${node.op} has no int8 form here`,
    );
  }
  const result = rebuildGraph(graph, nodes, [...tensors.values()]);
  // rebuildGraph keeps the old tensor objects for names it already had: take the annotated ones.
  const annotated: Record<string, IrTensor> = {};
  for (const name of Object.keys(result.tensors)) annotated[name] = tensors.get(name)!;
  return {
    graph: validateGraph({ ...result, tensors: annotated }),
    report: { mode, int8Nodes, floatNodes, weights },
  };
}
