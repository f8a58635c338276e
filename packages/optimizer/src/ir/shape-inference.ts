/**
 * Shape inference: the output shape of every op from its input shapes and attributes, with TF's
 * padding arithmetic ('same' = ceil(in / stride), 'valid' = ceil((in - dilated kernel + 1) / stride)).
 */

import { invalidModel } from './errors.js';
import { sizeOf } from './graph.js';
import type { IrGraph, IrNode, IrShape, IrTensor, PaddingMode } from './types.js';

/** Output length of one spatial axis of a convolution or pool, TF semantics. */
export function convOutputSize(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: PaddingMode,
): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(input / stride) : Math.ceil((input - effective + 1) / stride);
}

/** TF 'same' padding of one axis as [before, after] (the odd pixel goes after). */
export function samePadding(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + effective - input, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output size and leading ('same') padding of a 2-D window over [h, w]: { oh, ow, top, left }. */
export function windowGeometry(
  h: number,
  w: number,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: PaddingMode,
): { oh: number; ow: number; top: number; left: number } {
  const [kh, kw] = kernel;
  const [sh, sw] = strides;
  const [dh, dw] = dilations;
  return {
    oh: convOutputSize(h, kh, sh, dh, padding),
    ow: convOutputSize(w, kw, sw, dw, padding),
    top: padding === 'same' ? samePadding(h, kh, sh, dh)[0] : 0,
    left: padding === 'same' ? samePadding(w, kw, sw, dw)[0] : 0,
  };
}

function rank(node: IrNode, shape: IrShape, expected: number, which = 'input'): void {
  if (shape.length !== expected) {
    throw invalidModel(
      `node '${node.name}' (${node.op}) needs a rank-${expected} ${which}, got shape [${shape.join(', ')}]`,
      { node: node.name, op: node.op, shape: [...shape] },
    );
  }
}

function fail(node: IrNode, problem: string): never {
  throw invalidModel(`node '${node.name}' (${node.op}): ${problem}`, { node: node.name, op: node.op });
}

/** Numpy-style broadcast of two shapes (-1 broadcasts as the dynamic batch). */
export function broadcastShapes(node: IrNode, a: IrShape, b: IrShape): IrShape {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else fail(node, `cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
  }
  return out;
}

/** Output shape of `node` given its input shapes (in input order). */
export function inferNodeShape(node: IrNode, inputs: readonly IrShape[]): IrShape {
  const x = inputs[0];
  if (x === undefined) fail(node, 'has no input');
  switch (node.op) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      rank(node, x, 4);
      const w = inputs[1];
      if (w === undefined || w.length !== 4) fail(node, 'needs a rank-4 weight');
      const [kh, kw, cin, cw] = w as [number, number, number, number];
      if (cin !== x[3]) fail(node, `weight expects ${cin} input channels, input has ${x[3]}`);
      const cout = node.op === 'Conv2D' ? cw : cin * cw;
      if (node.op === 'DepthwiseConv2D' && cw !== node.attrs.depthMultiplier) {
        fail(node, `weight multiplier ${cw} differs from depthMultiplier ${node.attrs.depthMultiplier}`);
      }
      const bias = inputs[2];
      if (bias !== undefined && (bias.length !== 1 || bias[0] !== cout)) fail(node, `bias must be [${cout}]`);
      const { strides, dilations, padding } = node.attrs;
      const h = convOutputSize(x[1]!, kh, strides[0], dilations[0], padding);
      const wd = convOutputSize(x[2]!, kw, strides[1], dilations[1], padding);
      if (h < 1 || wd < 1) fail(node, `output would be empty (${h}x${wd})`);
      return [x[0]!, h, wd, cout];
    }
    case 'Dense': {
      rank(node, x, 2);
      const w = inputs[1];
      if (w === undefined || w.length !== 2 || w[0] !== x[1]) fail(node, `weight must be [${x[1]}, units]`);
      const bias = inputs[2];
      if (bias !== undefined && (bias.length !== 1 || bias[0] !== w[1])) fail(node, `bias must be [${w[1]}]`);
      return [x[0]!, w[1]!];
    }
    case 'BatchNorm': {
      const c = x[x.length - 1];
      for (const p of inputs.slice(1))
        if (p.length !== 1 || p[0] !== c) fail(node, `parameters must be [${c}]`);
      if (inputs.length !== 5) fail(node, 'needs inputs [x, gamma, beta, mean, variance]');
      return x;
    }
    case 'ReLU':
    case 'ReLU6':
    case 'Sigmoid':
    case 'HardSwish':
    case 'Identity':
      return x;
    case 'Add':
    case 'Mul': {
      if (inputs.length < 2) fail(node, 'needs at least two inputs');
      return inputs.reduce((a, b) => broadcastShapes(node, a, b));
    }
    case 'MaxPool':
    case 'AvgPool': {
      rank(node, x, 4);
      const { poolSize, strides, padding } = node.attrs;
      const h = convOutputSize(x[1]!, poolSize[0], strides[0], 1, padding);
      const w = convOutputSize(x[2]!, poolSize[1], strides[1], 1, padding);
      if (h < 1 || w < 1) fail(node, `output would be empty (${h}x${w})`);
      return [x[0]!, h, w, x[3]!];
    }
    case 'GlobalAvgPool':
      rank(node, x, 4);
      return node.attrs.keepDims ? [x[0]!, 1, 1, x[3]!] : [x[0]!, x[3]!];
    case 'Flatten':
      return [x[0]!, sizeOf(x.slice(1))];
    case 'Reshape': {
      const target = node.attrs.shape;
      if (sizeOf(target) !== sizeOf(x.slice(1)) || target.some((d) => d < 1)) {
        fail(node, `cannot reshape [${x.slice(1).join(', ')}] to [${target.join(', ')}]`);
      }
      return [x[0]!, ...target];
    }
    case 'Concat': {
      const axis = node.attrs.axis;
      if (axis < 1 || axis >= x.length) fail(node, `axis ${axis} must be in [1, ${x.length - 1}]`);
      let total = 0;
      for (const s of inputs) {
        if (s.length !== x.length || s.some((d, i) => i !== axis && i !== 0 && d !== x[i])) {
          fail(node, `inputs [${inputs.map((i) => `[${i.join(', ')}]`).join(', ')}] differ off axis ${axis}`);
        }
        total += s[axis]!;
      }
      return x.map((d, i) => (i === axis ? total : d));
    }
    case 'Pad': {
      rank(node, x, 4);
      const [[t, b], [l, r]] = node.attrs.pads;
      if ([t, b, l, r].some((p) => p < 0 || !Number.isInteger(p)))
        fail(node, 'pads must be non-negative integers');
      return [x[0]!, x[1]! + t + b, x[2]! + l + r, x[3]!];
    }
    case 'Softmax':
      if (node.attrs.axis < 0 || node.attrs.axis >= x.length)
        fail(node, `axis ${node.attrs.axis} out of range`);
      return x;
  }
}

/** Returns a copy of `graph` whose non-constant, non-input tensors carry inferred shapes. */
export function inferShapes(graph: IrGraph): IrGraph {
  const tensors: Record<string, IrTensor> = { ...graph.tensors };
  for (const node of graph.nodes) {
    const shapes = node.inputs.map((name) => {
      const t = tensors[name];
      if (t === undefined) fail(node, `input '${name}' is not defined`);
      return t.shape;
    });
    const shape = inferNodeShape(node, shapes);
    for (const out of node.outputs) {
      const previous = tensors[out];
      tensors[out] = { ...(previous ?? { name: out, dtype: 'float32' }), name: out, shape };
    }
  }
  return { ...graph, tensors };
}
