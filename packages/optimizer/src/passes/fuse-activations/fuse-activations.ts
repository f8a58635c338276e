/**
 * fuseActivations: a ReLU or ReLU6 whose input comes from a Conv2D, DepthwiseConv2D, Dense or Add
 * with no fused activation, and which is that node's only reader, becomes the node's fused
 * activation. An Add with a fused ReLU is what TFLite's ADD (`fused_activation_function`) and
 * onnxruntime's QLinearAdd (the ReLU before QuantizeLinear absorbed) compute in one kernel, the
 * residual-block pattern `add(skip) -> relu`.
 */

import { consumers, producers, rebuildGraph } from '../../ir/graph.js';
import type { FusedActivation, IrGraph, IrNode } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import type { IrPassResult, SkippedNode } from '../pass-result.js';

/** One fused activation. */
export interface FusedActivationEntry {
  /** The activation node removed. */
  readonly activation: string;
  /** The conv/dense/add node that now applies it. */
  readonly into: string;
  /** The fused activation. */
  readonly kind: FusedActivation;
}

/** What fuseActivations did. */
export interface FuseActivationsReport {
  /** Activations fused. */
  readonly fused: readonly FusedActivationEntry[];
  /** Activations kept, with the reason. */
  readonly skipped: readonly SkippedNode[];
}

const KINDS: Partial<Record<IrNode['op'], FusedActivation>> = { ReLU: 'relu', ReLU6: 'relu6' };

/** Fuses single-consumer ReLU/ReLU6 nodes into the preceding conv/dense/add; returns a new graph and a report. */
export function fuseActivations(input: IrGraph): IrPassResult<FuseActivationsReport> {
  const graph = validateGraph(input);
  const producerOf = producers(graph);
  const consumerOf = consumers(graph);
  const replaced = new Map<string, IrNode>();
  const removed = new Set<string>();
  const fused: FusedActivationEntry[] = [];
  const skipped: SkippedNode[] = [];
  for (const act of graph.nodes) {
    const kind = KINDS[act.op];
    if (kind === undefined) continue;
    const x = act.inputs[0]!;
    const layer = producerOf.get(x);
    if (
      layer === undefined ||
      (layer.op !== 'Conv2D' && layer.op !== 'DepthwiseConv2D' && layer.op !== 'Dense' && layer.op !== 'Add')
    ) {
      skipped.push({
        node: act.name,
        reason: `input '${x}' is not produced by a Conv2D, DepthwiseConv2D, Dense or Add`,
      });
      continue;
    }
    const current = layer.attrs.activation ?? 'none';
    if (current !== 'none') {
      skipped.push({ node: act.name, reason: `'${layer.name}' already has activation '${current}'` });
      continue;
    }
    if ((consumerOf.get(x)?.length ?? 0) !== 1 || graph.outputs.includes(x)) {
      skipped.push({ node: act.name, reason: `output '${x}' of '${layer.name}' is also read elsewhere` });
      continue;
    }
    replaced.set(layer.name, {
      ...layer,
      attrs: { ...layer.attrs, activation: kind },
      outputs: act.outputs,
    } as IrNode);
    removed.add(act.name);
    fused.push({ activation: act.name, into: layer.name, kind });
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n.name)).map((n) => replaced.get(n.name) ?? n);
  return { graph: validateGraph(rebuildGraph(graph, nodes)), report: { fused, skipped } };
}
