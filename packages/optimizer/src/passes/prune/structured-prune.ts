/**
 * structuredPrune: removes whole channels from every prunable channel space of an IR graph (see
 * channel-spaces.ts): the filters of the Conv2Ds (and the units of Dense layers such as an SE
 * expand) that produce them, the matching BatchNorm parameters and depthwise filters, and the
 * matching input slices of every reader: Conv2D input channels, Dense input rows (after a Flatten,
 * the rows of each kept channel at every spatial position), SE Reshape targets. The result is an
 * ordinary smaller graph (validated) that converts back to TF.js and exports like any other.
 * Channels are ranked by the filters' L1 norm, the BatchNorm |gamma|, or both (their product),
 * each normalised by its mean and summed over the convs an Add ties together.
 */
import { floatData } from '../../ir/graph.js';
import { inferShapes } from '../../ir/shape-inference.js';
import type { IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import type { IrPassResult } from '../pass-result.js';
import { analyzeChannels, type ChannelSpace } from './channel-spaces.js';

/** How channels are ranked. */
export type ChannelCriterion = 'l1' | 'bn-gamma' | 'both';

/** Every criterion. */
export const CHANNEL_CRITERIA: readonly ChannelCriterion[] = ['l1', 'bn-gamma', 'both'];

/** Options of structuredPrune. */
export interface StructuredPruneOptions {
  /** Fraction of the channels of each prunable space to remove, in [0, 1). */
  readonly sparsity: number;
  /** @default 'l1' */
  readonly criterion?: ChannelCriterion;
}

/** One pruned (or kept whole) space. */
export interface PrunedSpace {
  /** The Conv2D nodes whose filters were removed. */
  convs: string[];
  before: number;
  after: number;
}

/** What structuredPrune did. */
export interface StructuredPruneReport {
  pruned: PrunedSpace[];
  /** Spaces left alone, with the reason. */
  pinned: { tensors: string[]; reason: string }[];
}

function meanNormalised(v: Float64Array): Float64Array {
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return mean > 0 ? v.map((x) => x / mean) : v.map(() => 1);
}

/** Channel scores of a space (higher = more important). */
function channelScores(graph: IrGraph, space: ChannelSpace, criterion: ChannelCriterion): Float64Array {
  const c = space.channels;
  const l1 = new Float64Array(c);
  for (const name of space.convs) {
    const node = graph.nodes.find((n) => n.name === name)!;
    const w = floatData(graph, node.inputs[1]!);
    const norms = new Float64Array(c);
    for (let i = 0; i < w.length; i++) norms[i % c] = norms[i % c]! + Math.abs(w[i]!);
    meanNormalised(norms).forEach((v, i) => {
      l1[i] = l1[i]! + v;
    });
  }
  if (criterion === 'l1' || space.batchNorms.length === 0) return l1;
  const gamma = new Float64Array(c);
  for (const name of space.batchNorms) {
    const node = graph.nodes.find((n) => n.name === name)!;
    const g = floatData(graph, node.inputs[1]!);
    meanNormalised(Float64Array.from(g, Math.abs)).forEach((v, i) => {
      gamma[i] = gamma[i]! + v;
    });
  }
  return criterion === 'bn-gamma' ? gamma : l1.map((v, i) => v * gamma[i]!);
}

/** Indices of the `keep` highest scores, in ascending channel order. */
function topChannels(scores: Float64Array, keep: number): Int32Array {
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(order.slice(0, keep)).sort();
}

/** Copies the slices of `data` (row-major `shape`) whose index along `axis` is in `keep`. */
function sliceAxis(
  data: Float32Array,
  shape: readonly number[],
  axis: number,
  keep: Int32Array,
): Float32Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const out = new Float32Array(outer * keep.length * inner);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < keep.length; k++)
      out.set(
        data.subarray((o * n + keep[k]!) * inner, (o * n + keep[k]! + 1) * inner),
        (o * keep.length + k) * inner,
      );
  return out;
}

/** Removes the lowest-ranked channels of every prunable space; returns a new, smaller graph. */
export function structuredPrune(
  input: IrGraph,
  options: StructuredPruneOptions,
): IrPassResult<StructuredPruneReport> {
  const graph = validateGraph(input);
  const criterion = options.criterion ?? 'l1';
  const { spaces, spaceOf, flattened } = analyzeChannels(graph);
  const keepOf = new Map<ChannelSpace, Int32Array>();
  const report: StructuredPruneReport = { pruned: [], pinned: [] };
  for (const space of spaces) {
    if (space.pinned !== null) {
      if (space.convs.length > 0) report.pinned.push({ tensors: [...space.tensors], reason: space.pinned });
      continue;
    }
    const keep = Math.max(1, Math.round(space.channels * (1 - options.sparsity)));
    report.pruned.push({ convs: [...space.convs], before: space.channels, after: keep });
    if (keep < space.channels) keepOf.set(space, topChannels(channelScores(graph, space, criterion), keep));
  }
  const keepFor = (tensor: string) => {
    const space = spaceOf.get(tensor);
    return space === undefined ? undefined : keepOf.get(space);
  };

  const tensors: Record<string, IrTensor> = { ...graph.tensors };
  const slice = (name: string, axis: number, keep: Int32Array | undefined) => {
    if (keep === undefined) return;
    const t = tensors[name]!;
    const data = sliceAxis(t.data as Float32Array, t.shape, axis, keep);
    tensors[name] = { ...t, shape: t.shape.map((d, i) => (i === axis ? keep.length : d)), data };
  };
  const nodes: IrNode[] = graph.nodes.map((node) => {
    const [x, w, b] = node.inputs;
    const y = node.outputs[0]!;
    switch (node.op) {
      case 'Conv2D':
        slice(w!, 2, keepFor(x!));
        slice(w!, 3, keepFor(y));
        if (b !== undefined) slice(b, 0, keepFor(y));
        return node;
      case 'DepthwiseConv2D':
        if (node.attrs.depthMultiplier === 1) {
          slice(w!, 2, keepFor(x!));
          if (b !== undefined) slice(b, 0, keepFor(y));
        }
        return node;
      case 'Dense': {
        const source = flattened.get(x!);
        if (source !== undefined) {
          const keep = keepFor(source);
          if (keep !== undefined) {
            const c = graph.tensors[source]!.shape.at(-1)!;
            const positions = graph.tensors[x!]!.shape[1]! / c;
            const rows = new Int32Array(positions * keep.length);
            for (let p = 0; p < positions; p++)
              for (let k = 0; k < keep.length; k++) rows[p * keep.length + k] = p * c + keep[k]!;
            slice(w!, 0, rows);
          }
        } else slice(w!, 0, keepFor(x!));
        slice(w!, 1, keepFor(y));
        if (b !== undefined) slice(b, 0, keepFor(y));
        return node;
      }
      case 'BatchNorm':
        for (const p of node.inputs.slice(1)) slice(p, 0, keepFor(x!));
        return node;
      case 'Reshape': {
        const keep = keepFor(y);
        if (keep === undefined) return node;
        const shape = [...node.attrs.shape.slice(0, -1), keep.length];
        return { ...node, attrs: { shape } };
      }
      default:
        return node;
    }
  });
  const result = inferShapes({ ...graph, nodes, tensors });
  return { graph: validateGraph(result), report };
}
