/**
 * Read-only helpers over an IrGraph: producers, consumers, initializers, and a builder that
 * assembles a new graph from parts (passes create new graphs, never edit one).
 */

import { invalidModel } from './errors.js';
import type { IrGraph, IrNode, IrTensor, IrTensorData } from './types.js';

/** True when the tensor is a constant (has data). */
export function isInitializer(tensor: IrTensor | undefined): boolean {
  return tensor?.data !== undefined;
}

/** The tensor called `name`; throws MODEL_INVALID when it is missing. */
export function tensorOf(graph: IrGraph, name: string): IrTensor {
  const t = graph.tensors[name];
  if (t === undefined)
    throw invalidModel(`tensor '${name}' is not defined in graph '${graph.name}'`, { tensor: name });
  return t;
}

/** Data of the initializer called `name` as float32; throws MODEL_INVALID when it is not a float constant. */
export function floatData(graph: IrGraph, name: string): Float32Array {
  const data: IrTensorData | undefined = tensorOf(graph, name).data;
  if (!(data instanceof Float32Array)) {
    throw invalidModel(`tensor '${name}' must be a float32 initializer`, { tensor: name });
  }
  return data;
}

/** Map from tensor name to the node that produces it. */
export function producers(graph: IrGraph): Map<string, IrNode> {
  const map = new Map<string, IrNode>();
  for (const node of graph.nodes) for (const out of node.outputs) map.set(out, node);
  return map;
}

/** Map from tensor name to the nodes that read it (graph outputs are not nodes; see `isGraphOutput`). */
export function consumers(graph: IrGraph): Map<string, IrNode[]> {
  const map = new Map<string, IrNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      const list = map.get(input);
      if (list === undefined) map.set(input, [node]);
      else if (!list.includes(node)) list.push(node);
    }
  }
  return map;
}

/** Number of element of a static shape (-1 counted as 1). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d < 0 ? 1 : d;
  return n;
}

/**
 * Rebuilds a graph from the given nodes: keeps only the tensors that are still referenced,
 * renames tensors through `rename` (for removed nodes whose output becomes their input) and adds
 * `extraTensors` (new or replaced initializers).
 */
export function rebuildGraph(
  graph: IrGraph,
  nodes: readonly IrNode[],
  extraTensors: readonly IrTensor[] = [],
  rename: ReadonlyMap<string, string> = new Map(),
): IrGraph {
  const resolve = (name: string): string => {
    let current = name;
    for (let i = 0; i < 1000 && rename.has(current); i++) current = rename.get(current)!;
    return current;
  };
  const renamedNodes = nodes.map((n) => ({ ...n, inputs: n.inputs.map(resolve) }) as IrNode);
  const all: Record<string, IrTensor> = { ...graph.tensors };
  for (const t of extraTensors) all[t.name] = t;
  const outputs = graph.outputs.map(resolve);
  const used = new Set<string>([...graph.inputs, ...outputs]);
  for (const n of renamedNodes) for (const name of [...n.inputs, ...n.outputs]) used.add(name);
  const tensors: Record<string, IrTensor> = {};
  for (const name of used) {
    const t = all[name];
    if (t !== undefined) tensors[name] = t;
  }
  // A graph output renamed onto another tensor keeps its public name: rename that tensor instead.
  return { ...graph, nodes: renamedNodes, tensors, outputs };
}

/** A name not yet used by any tensor or node of `graph` (or `taken`), derived from `base`. */
export function uniqueName(graph: IrGraph, base: string, taken: Set<string> = new Set()): string {
  const nodeNames = new Set(graph.nodes.map((n) => n.name));
  let name = base;
  for (let i = 1; graph.tensors[name] !== undefined || nodeNames.has(name) || taken.has(name); i++) {
    name = `${base}_${i}`;
  }
  taken.add(name);
  return name;
}
