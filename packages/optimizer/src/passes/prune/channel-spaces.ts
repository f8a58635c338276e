/**
 * Channel spaces of an IR graph: sets of activation tensors whose last (channel) axis must keep the
 * same channels. Element-wise ops, BatchNorm, pools, padding and depthwise convs (multiplier 1) pass
 * their input's channels through; an Add ties all its inputs (a residual add prunes both branches
 * and the shortcut together); a Mul ties inputs whose channel axis matches (the SE gate). A Conv2D
 * or Dense starts a new space, so its input channels are another space's. A space is prunable when
 * a Conv2D produces (part of) it and nothing pins it: a graph input or output, a Concat, a Softmax,
 * a depth multiplier > 1, a Reshape that moves channels, or a Flatten read by anything but a Dense.
 */
import { isInitializer, producers } from '../../ir/graph.js';
import type { IrGraph, IrNode } from '../../ir/types.js';

/** One channel space. */
export interface ChannelSpace {
  /** Representative tensor name. */
  readonly id: string;
  readonly channels: number;
  /** Activation tensors sharing these channels. */
  readonly tensors: readonly string[];
  /** Conv2D nodes whose filters are these channels. */
  readonly convs: readonly string[];
  /** Dense nodes whose output units are these channels (e.g. an SE expand layer). */
  readonly denses: readonly string[];
  /** BatchNorm nodes over these channels. */
  readonly batchNorms: readonly string[];
  /** Why the space cannot be pruned, or null when it can. */
  readonly pinned: string | null;
}

/** The spaces, and for each Flatten output the space it flattens. */
export interface ChannelAnalysis {
  readonly spaces: readonly ChannelSpace[];
  /** Space of every activation tensor. */
  readonly spaceOf: ReadonlyMap<string, ChannelSpace>;
  /** Flatten output tensor -> flattened input tensor (NHWC: feature index = position * C + c). */
  readonly flattened: ReadonlyMap<string, string>;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(a: string): string {
    let p = this.parent.get(a) ?? a;
    if (p !== a) {
      p = this.find(p);
      this.parent.set(a, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

const PASS_THROUGH = new Set([
  'BatchNorm',
  'ReLU',
  'ReLU6',
  'Sigmoid',
  'HardSwish',
  'Identity',
  'MaxPool',
  'AvgPool',
  'Pad',
  'GlobalAvgPool',
]);

const lastDim = (graph: IrGraph, name: string) => {
  const shape = graph.tensors[name]!.shape;
  return shape[shape.length - 1]!;
};

/** Finds the channel spaces of `graph` and whether each can be pruned. */
export function analyzeChannels(graph: IrGraph): ChannelAnalysis {
  const uf = new UnionFind();
  const pins = new Map<string, string>();
  const pin = (tensor: string, reason: string) => {
    if (!pins.has(tensor)) pins.set(tensor, reason);
  };
  const flattened = new Map<string, string>();
  const isActivation = (name: string) => !isInitializer(graph.tensors[name]);
  for (const node of graph.nodes) {
    const x = node.inputs[0]!;
    const y = node.outputs[0]!;
    if (PASS_THROUGH.has(node.op)) uf.union(x, y);
    else if (node.op === 'DepthwiseConv2D') {
      if (node.attrs.depthMultiplier === 1) uf.union(x, y);
      else {
        pin(x, `depthwise '${node.name}' has depth multiplier ${node.attrs.depthMultiplier}`);
        pin(y, `depthwise '${node.name}' has depth multiplier ${node.attrs.depthMultiplier}`);
      }
    } else if (node.op === 'Add') {
      for (const input of node.inputs) uf.union(input, y);
    } else if (node.op === 'Mul') {
      for (const input of node.inputs.filter(isActivation)) {
        if (lastDim(graph, input) === lastDim(graph, y)) uf.union(input, y);
        else if (lastDim(graph, input) !== 1) pin(input, `Mul '${node.name}' broadcasts its channels`);
      }
    } else if (node.op === 'Flatten') {
      if (graph.tensors[x]!.shape.length === 2) uf.union(x, y);
      else flattened.set(y, x);
    } else if (node.op === 'Reshape') {
      const inShape = graph.tensors[x]!.shape;
      if (inShape.length === 2 && node.attrs.shape[node.attrs.shape.length - 1] === inShape[1])
        uf.union(x, y);
      else {
        pin(x, `Reshape '${node.name}' moves channels`);
        pin(y, `Reshape '${node.name}' moves channels`);
      }
    } else if (node.op === 'Concat' || node.op === 'Softmax') {
      for (const input of node.inputs.filter(isActivation)) pin(input, `read by ${node.op} '${node.name}'`);
      pin(y, `written by ${node.op} '${node.name}'`);
    }
  }
  for (const name of graph.inputs) pin(name, 'graph input');
  for (const name of graph.outputs) pin(name, 'graph output');
  // A flattened tensor's channels can be pruned only if every reader of the Flatten is a Dense.
  const readers = new Map<string, IrNode[]>();
  for (const node of graph.nodes)
    for (const input of node.inputs) readers.set(input, [...(readers.get(input) ?? []), node]);
  for (const [out, x] of flattened) {
    if ((readers.get(out) ?? []).some((n) => n.op !== 'Dense') || graph.outputs.includes(out))
      pin(x, `its Flatten '${out}' is read by something other than a Dense`);
  }

  const producerOf = producers(graph);
  const groups = new Map<string, string[]>();
  for (const name of Object.keys(graph.tensors)) {
    if (!isActivation(name)) continue;
    const root = uf.find(name);
    groups.set(root, [...(groups.get(root) ?? []), name]);
  }
  const spaces: ChannelSpace[] = [];
  const spaceOf = new Map<string, ChannelSpace>();
  for (const [root, tensors] of groups) {
    const convs: string[] = [];
    const denses: string[] = [];
    const batchNorms: string[] = [];
    let pinned: string | null = null;
    for (const t of tensors) {
      pinned ??= pins.get(t) ?? null;
      const p = producerOf.get(t);
      if (p?.op === 'Conv2D') convs.push(p.name);
      if (p?.op === 'Dense') denses.push(p.name);
      if (p?.op === 'BatchNorm') batchNorms.push(p.name);
    }
    if (pinned === null && convs.length === 0) pinned = 'no Conv2D produces these channels';
    const space: ChannelSpace = {
      id: root,
      channels: lastDim(graph, root),
      tensors,
      convs,
      denses,
      batchNorms,
      pinned,
    };
    spaces.push(space);
    for (const t of tensors) spaceOf.set(t, space);
  }
  return { spaces, spaceOf, flattened };
}
