/**
 * dropIdentities: removes nodes that compute nothing: Identity, a Reshape to the same shape, a Pad
 * of zeros, a 1x1 stride-1 pool, a Concat/Add/Mul of a single input, a Flatten of a rank-2 tensor.
 * Readers of a removed node's output read its input instead; when that output is a graph output,
 * the input tensor takes the output's name so the graph keeps its public names.
 */

import { rebuildGraph } from '../../ir/graph.js';
import type { IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import type { IrPassResult } from '../pass-result.js';

/** One removed node. */
export interface DroppedNode {
  /** Node name. */
  readonly node: string;
  /** Its op. */
  readonly op: string;
}

/** What dropIdentities did. */
export interface DropIdentitiesReport {
  /** Nodes removed. */
  readonly dropped: readonly DroppedNode[];
}

function isIdentity(graph: IrGraph, node: IrNode): boolean {
  const inShape = graph.tensors[node.inputs[0]!]!.shape;
  switch (node.op) {
    case 'Identity':
      return true;
    case 'Reshape':
      return (
        inShape.length === node.attrs.shape.length + 1 &&
        node.attrs.shape.every((d, i) => d === inShape[i + 1])
      );
    case 'Pad':
      return node.attrs.pads.flat().every((p) => p === 0);
    case 'MaxPool':
    case 'AvgPool':
      return node.attrs.poolSize.every((p) => p === 1) && node.attrs.strides.every((s) => s === 1);
    case 'Concat':
    case 'Add':
    case 'Mul':
      return node.inputs.length === 1;
    case 'Flatten':
      return inShape.length === 2;
    default:
      return false;
  }
}

/** Returns a new graph without no-op nodes, and the list of nodes removed. */
export function dropIdentities(input: IrGraph): IrPassResult<DropIdentitiesReport> {
  let graph = validateGraph(input);
  const dropped: DroppedNode[] = [];
  const kept = new Set<string>();
  for (;;) {
    const node = graph.nodes.find((n) => !kept.has(n.name) && isIdentity(graph, n));
    if (node === undefined) break;
    const from = node.inputs[0]!;
    const to = node.outputs[0]!;
    dropped.push({ node: node.name, op: node.op });
    const nodes = graph.nodes.filter((n) => n !== node);
    const fromIsFixed =
      graph.inputs.includes(from) || graph.tensors[from]?.data !== undefined || graph.outputs.includes(from);
    if (graph.outputs.includes(to) && !fromIsFixed) {
      // Keep the public output name: the producer of `from` now writes `to`.
      const swap = (names: readonly string[]) => names.map((n) => (n === from ? to : n));
      const renamed = nodes.map(
        (n) => ({ ...n, inputs: swap(n.inputs), outputs: swap(n.outputs) }) as IrNode,
      );
      const extra: IrTensor = { ...graph.tensors[from]!, name: to };
      graph = rebuildGraph(graph, renamed, [extra]);
    } else if (graph.outputs.includes(to)) {
      // The input is a graph input, a constant or another output: keep the node so the output exists.
      dropped.pop();
      kept.add(node.name);
    } else {
      graph = rebuildGraph(graph, nodes, [], new Map([[to, from]]));
    }
  }
  return { graph: validateGraph(graph), report: { dropped } };
}
