/**
 * Graph validation: every name defined once and before use, node order topological, initializers
 * sized to their shapes, and every recorded shape equal to the inferred one.
 */

import { invalidModel } from './errors.js';
import { sizeOf } from './graph.js';
import { inferNodeShape } from './shape-inference.js';
import { FUSED_ACTIVATIONS, type IrGraph } from './types.js';

/** Throws a MODEL_INVALID EdgemlError naming the first problem; returns the graph when it is sound. */
export function validateGraph(graph: IrGraph): IrGraph {
  const defined = new Set<string>();
  for (const name of graph.inputs) {
    const t = graph.tensors[name];
    if (t === undefined) throw invalidModel(`graph input '${name}' has no tensor`, { tensor: name });
    if (t.data !== undefined) throw invalidModel(`graph input '${name}' must not be an initializer`);
    defined.add(name);
  }
  for (const [name, t] of Object.entries(graph.tensors)) {
    if (t.name !== name)
      throw invalidModel(`tensor stored as '${name}' is named '${t.name}'`, { tensor: name });
    if (t.data === undefined) continue;
    if (t.shape.some((d) => d < 0)) throw invalidModel(`initializer '${name}' has a dynamic shape`);
    if (t.data.length !== sizeOf(t.shape)) {
      throw invalidModel(
        `initializer '${name}' holds ${t.data.length} values, its shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)}`,
        { tensor: name },
      );
    }
    defined.add(name);
  }
  const nodeNames = new Set<string>();
  for (const node of graph.nodes) {
    if (nodeNames.has(node.name))
      throw invalidModel(`node name '${node.name}' is used twice`, { node: node.name });
    nodeNames.add(node.name);
    for (const input of node.inputs) {
      if (!defined.has(input)) {
        throw invalidModel(
          `node '${node.name}' (${node.op}) reads '${input}', which is not defined before it`,
          {
            node: node.name,
            tensor: input,
          },
        );
      }
    }
    if (
      node.op === 'Add' &&
      node.attrs.activation !== undefined &&
      !FUSED_ACTIVATIONS.includes(node.attrs.activation)
    ) {
      throw invalidModel(
        `node '${node.name}' (Add) has unknown activation ${JSON.stringify(node.attrs.activation)}`,
        { node: node.name },
      );
    }
    const shapes = node.inputs.map((n) => graph.tensors[n]!.shape);
    const inferred = inferNodeShape(node, shapes);
    if (node.outputs.length !== 1) throw invalidModel(`node '${node.name}' must have exactly one output`);
    for (const out of node.outputs) {
      if (defined.has(out))
        throw invalidModel(`tensor '${out}' is written twice (by '${node.name}')`, { tensor: out });
      const t = graph.tensors[out];
      if (t === undefined)
        throw invalidModel(`output '${out}' of node '${node.name}' has no tensor`, { tensor: out });
      if (t.shape.length !== inferred.length || t.shape.some((d, i) => d !== inferred[i])) {
        throw invalidModel(
          `tensor '${out}' is recorded as [${t.shape.join(', ')}] but node '${node.name}' (${node.op}) produces [${inferred.join(', ')}]`,
          { tensor: out, node: node.name },
        );
      }
      defined.add(out);
    }
  }
  for (const out of graph.outputs) {
    if (!defined.has(out)) throw invalidModel(`graph output '${out}' is never produced`, { tensor: out });
  }
  return graph;
}
