/**
 * foldBatchNorm: a BatchNorm that follows a Conv2D, DepthwiseConv2D or Dense (with no fused
 * activation, and whose output nothing else reads) is folded into that layer's weights and bias:
 * `s = gamma / sqrt(var + eps)`, `W' = W * s` per output channel, `b' = (b - mean) * s + beta`.
 */

import { consumers, floatData, producers, rebuildGraph, uniqueName } from '../../ir/graph.js';
import type { IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import type { IrPassResult, SkippedNode } from '../pass-result.js';

/** One folded BatchNorm. */
export interface FoldedBatchNorm {
  /** The BatchNorm node removed. */
  readonly batchNorm: string;
  /** The node whose weights absorbed it. */
  readonly into: string;
}

/** What foldBatchNorm did. */
export interface FoldBatchNormReport {
  /** BatchNorms folded away. */
  readonly folded: readonly FoldedBatchNorm[];
  /** BatchNorms kept, with the reason (they stay as BatchNorm nodes). */
  readonly skipped: readonly SkippedNode[];
}

const FOLDABLE = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

/** Folds every foldable BatchNorm into the preceding conv/dense; returns a new graph and a report. */
export function foldBatchNorm(input: IrGraph): IrPassResult<FoldBatchNormReport> {
  const graph = validateGraph(input);
  const producerOf = producers(graph);
  const consumerOf = consumers(graph);
  const replaced = new Map<string, IrNode>();
  const removed = new Set<string>();
  const newTensors: IrTensor[] = [];
  const taken = new Set<string>();
  const folded: FoldedBatchNorm[] = [];
  const skipped: SkippedNode[] = [];
  for (const bn of graph.nodes) {
    if (bn.op !== 'BatchNorm') continue;
    const x = bn.inputs[0]!;
    const layer = replaced.get(producerOf.get(x)?.name ?? '') ?? producerOf.get(x);
    const skip = (reason: string) => skipped.push({ node: bn.name, reason });
    if (layer === undefined || !FOLDABLE.has(layer.op)) {
      skip(`input '${x}' is not produced by a Conv2D, DepthwiseConv2D or Dense`);
      continue;
    }
    if (layer.op !== 'Conv2D' && layer.op !== 'DepthwiseConv2D' && layer.op !== 'Dense') continue;
    if (layer.attrs.activation !== 'none') {
      skip(`'${layer.name}' has fused activation '${layer.attrs.activation}' before the BatchNorm`);
      continue;
    }
    if ((consumerOf.get(x)?.length ?? 0) !== 1 || graph.outputs.includes(x)) {
      skip(`output '${x}' of '${layer.name}' is also read elsewhere`);
      continue;
    }
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((n) => floatData(graph, n)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const epsilon = bn.attrs.epsilon;
    const channels = gamma.length;
    const scale = new Float64Array(channels);
    for (let c = 0; c < channels; c++) scale[c] = gamma[c]! / Math.sqrt(variance[c]! + epsilon);
    const weightName = layer.inputs[1]!;
    const weightTensor = graph.tensors[weightName]!;
    const weights = newTensors.find((t) => t.name === weightName)?.data ?? floatData(graph, weightName);
    const foldedWeights = new Float32Array(weights.length);
    // Output channel = flat index % channels for HWIO, [kh, kw, C, M] and [in, out] alike.
    for (let i = 0; i < weights.length; i++) foldedWeights[i] = weights[i]! * scale[i % channels]!;
    const oldBias = layer.inputs[2] === undefined ? undefined : floatData(graph, layer.inputs[2]);
    const bias = new Float32Array(channels);
    for (let c = 0; c < channels; c++) bias[c] = ((oldBias?.[c] ?? 0) - mean[c]!) * scale[c]! + beta[c]!;
    const shared = (name: string) => (consumerOf.get(name)?.length ?? 0) > 1;
    const wName = shared(weightName) ? uniqueName(graph, `${layer.name}/kernel_folded`, taken) : weightName;
    const bName =
      layer.inputs[2] !== undefined && !shared(layer.inputs[2])
        ? layer.inputs[2]
        : uniqueName(graph, `${layer.name}/bias`, taken);
    newTensors.push({ ...weightTensor, name: wName, data: foldedWeights });
    newTensors.push({ name: bName, shape: [channels], dtype: 'float32', data: bias });
    replaced.set(layer.name, {
      ...layer,
      inputs: [layer.inputs[0]!, wName, bName],
      outputs: bn.outputs,
    } as IrNode);
    removed.add(bn.name);
    folded.push({ batchNorm: bn.name, into: layer.name });
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n.name)).map((n) => replaced.get(n.name) ?? n);
  const result = rebuildGraph(graph, nodes, newTensors);
  return { graph: validateGraph(result), report: { folded, skipped } };
}
