/**
 * Int8 conformance fixtures shared by the ONNX QDQ / QOperator and TFLite int8 suites: single-layer
 * graphs (conv, depthwise, dense, pools, global average pool), the residual-add graph, seeded
 * inputs, calibration + quantisation of a fixture, and the distance in output steps.
 * Test fixtures only: not exported from the package.
 */

import type { FusedActivation, IrGraph, IrNode, IrTensor } from '../ir/types.js';
import { fuseActivations } from '../passes/fuse-activations/fuse-activations.js';
import { calibrate } from '../passes/quantize/calibrate.js';
import { quantizeGraph } from '../passes/quantize/quantize-graph.js';

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** input [-1, 8, 8, 3] -> one node -> output. */
export function singleLayer(kind: string, activation: FusedActivation = 'none'): IrGraph {
  const rand = seeded(kind.length * 7 + activation.length);
  const w = (shape: number[]): IrTensor => ({
    name: 'w',
    shape,
    dtype: 'float32',
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand()),
  });
  const b = (n: number): IrTensor => ({
    name: 'b',
    shape: [n],
    dtype: 'float32',
    data: Float32Array.from({ length: n }, () => rand() * 0.2),
  });
  const conv = { strides: [1, 1], dilations: [1, 1], padding: 'same', activation } as const;
  let node: IrNode;
  let tensors: IrTensor[];
  let outShape: number[];
  const input = [-1, 8, 8, 3];
  switch (kind) {
    case 'conv':
      node = {
        name: 'conv',
        op: 'Conv2D',
        inputs: ['x', 'w', 'b'],
        outputs: ['y'],
        attrs: { ...conv, strides: [2, 1] },
      };
      tensors = [w([3, 3, 3, 6]), b(6)];
      outShape = [-1, 4, 8, 6];
      break;
    case 'depthwise':
      node = {
        name: 'dw',
        op: 'DepthwiseConv2D',
        inputs: ['x', 'w', 'b'],
        outputs: ['y'],
        attrs: { ...conv, depthMultiplier: 2 },
      };
      tensors = [w([3, 3, 3, 2]), b(6)];
      outShape = [-1, 8, 8, 6];
      break;
    case 'avgpool':
    case 'maxpool':
      node = {
        name: kind,
        op: kind === 'avgpool' ? 'AvgPool' : 'MaxPool',
        inputs: ['h'],
        outputs: ['y'],
        attrs: { poolSize: [3, 3], strides: [2, 2], padding: 'same' },
      };
      tensors = [];
      outShape = [-1, 4, 4, 3];
      break;
    default:
      node = { name: 'gap', op: 'GlobalAvgPool', inputs: ['h'], outputs: ['y'], attrs: { keepDims: false } };
      tensors = [];
      outShape = [-1, 3];
  }
  const nodes: IrNode[] = [node];
  if (node.inputs[0] === 'h') {
    // Pools run int8 only behind an int8 producer: a 1x1 conv (ReLU) in front.
    nodes.unshift({
      name: 'pre',
      op: 'Conv2D',
      inputs: ['x', 'w'],
      outputs: ['h'],
      attrs: { ...conv, activation: 'relu', padding: 'valid' },
    });
    tensors = [w([1, 1, 3, 3]), { name: 'h', shape: input, dtype: 'float32' }];
  }
  const all = [
    { name: 'x', shape: input, dtype: 'float32' } as IrTensor,
    ...tensors,
    { name: 'y', shape: outShape, dtype: 'float32' } as IrTensor,
  ];
  return {
    name: kind,
    tensors: Object.fromEntries(all.map((t) => [t.name, t])),
    nodes,
    inputs: ['x'],
    outputs: ['y'],
    metadata: {},
  };
}

export function dense(activation: FusedActivation): IrGraph {
  const rand = seeded(9);
  return {
    name: 'dense',
    tensors: {
      x: { name: 'x', shape: [-1, 20], dtype: 'float32' },
      w: {
        name: 'w',
        shape: [20, 7],
        dtype: 'float32',
        data: Float32Array.from({ length: 140 }, () => rand()),
      },
      b: { name: 'b', shape: [7], dtype: 'float32', data: Float32Array.from({ length: 7 }, () => rand()) },
      y: { name: 'y', shape: [-1, 7], dtype: 'float32' },
    },
    nodes: [{ name: 'fc', op: 'Dense', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { activation } }],
    inputs: ['x'],
    outputs: ['y'],
    metadata: {},
  };
}

/**
 * The residual fixture: input [-1, 8, 8, 3] -> conv 3x3 (ReLU) `h1` -> conv 3x3 `h2` -> add(h2, h1)
 * -> `activation` -> [global average pool -> dense 6 -> 5]. The skip `h1` has two readers (conv
 * and add), the add's inputs have different scales. `fuse` runs fuseActivations (ReLU into Add);
 * otherwise the activation stays its own node.
 */
export function residual(activation: 'ReLU' | 'ReLU6', options: { head: boolean; fuse: boolean }): IrGraph {
  const rand = seeded(activation.length * 13 + (options.head ? 1 : 0));
  const data = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rand() * scale);
  const t = (name: string, shape: number[], values?: Float32Array): IrTensor => ({
    name,
    shape,
    dtype: 'float32',
    ...(values ? { data: values } : {}),
  });
  const conv = { strides: [1, 1], dilations: [1, 1], padding: 'same' } as const;
  const nodes: IrNode[] = [
    {
      name: 'conv1',
      op: 'Conv2D',
      inputs: ['x', 'w1', 'b1'],
      outputs: ['h1'],
      attrs: { ...conv, activation: 'relu' },
    },
    {
      name: 'conv2',
      op: 'Conv2D',
      inputs: ['h1', 'w2', 'b2'],
      outputs: ['h2'],
      attrs: { ...conv, activation: 'none' },
    },
    { name: 'add', op: 'Add', inputs: ['h2', 'h1'], outputs: ['sum'], attrs: {} },
    { name: 'act', op: activation, inputs: ['sum'], outputs: ['r'], attrs: {} },
  ];
  const tensors = [
    t('x', [-1, 8, 8, 3]),
    t('w1', [3, 3, 3, 6], data(162)),
    t('b1', [6], data(6, 0.2)),
    t('h1', [-1, 8, 8, 6]),
    // A smaller second conv: the add's inputs get clearly different scales.
    t('w2', [3, 3, 6, 6], data(324, 0.3)),
    t('b2', [6], data(6, 0.1)),
    t('h2', [-1, 8, 8, 6]),
    t('sum', [-1, 8, 8, 6]),
    t('r', [-1, 8, 8, 6]),
  ];
  let output = 'r';
  if (options.head) {
    nodes.push(
      { name: 'gap', op: 'GlobalAvgPool', inputs: ['r'], outputs: ['g'], attrs: { keepDims: false } },
      { name: 'fc', op: 'Dense', inputs: ['g', 'w3', 'b3'], outputs: ['y'], attrs: { activation: 'none' } },
    );
    tensors.push(t('g', [-1, 6]), t('w3', [6, 5], data(30)), t('b3', [5], data(5, 0.2)), t('y', [-1, 5]));
    output = 'y';
  }
  const graph: IrGraph = {
    name: 'residual',
    tensors: Object.fromEntries(tensors.map((x) => [x.name, x])),
    nodes,
    inputs: ['x'],
    outputs: [output],
    metadata: {},
  };
  return options.fuse ? fuseActivations(graph).graph : graph;
}

export function randomInput(
  shape: number[],
  n: number,
  seed: number,
): { data: Float32Array; shape: number[] } {
  const rand = seeded(seed);
  const full = [n, ...shape.slice(1)];
  return {
    data: Float32Array.from({ length: full.reduce((a, b) => a * b, 1) }, () => rand() * 4),
    shape: full,
  };
}

/** Largest |a - b| in units of the output scale. */
export function steps(a: Float32Array, b: Float32Array, scale: number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

/** The conformance table: every int8 fixture graph, by name. */
export const INT8_FIXTURE_CASES: readonly [string, () => IrGraph][] = [
  ['conv 3x3 stride (2,1) + relu', () => singleLayer('conv', 'relu')],
  ['conv 3x3, no activation', () => singleLayer('conv')],
  ['depthwise x2 + relu6', () => singleLayer('depthwise', 'relu6')],
  ['dense', () => dense('none')],
  ['dense + relu', () => dense('relu')],
  ['average pool 3x3 same', () => singleLayer('avgpool')],
  ['max pool 3x3 same', () => singleLayer('maxpool')],
  ['global average pool', () => singleLayer('gap')],
  [
    'residual: conv, conv, add(skip) + fused relu, gap, dense',
    () => residual('ReLU', { head: true, fuse: true }),
  ],
  ['residual add + fused relu6 as the output', () => residual('ReLU6', { head: false, fuse: true })],
  ['residual add, then its own int8 ReLU node', () => residual('ReLU', { head: true, fuse: false })],
];

/** Calibrates a fixture graph (input `x`) on 32 seeded images with the interpreter and quantises it. */
export async function quantizeFixture(graph: IrGraph): Promise<ReturnType<typeof quantizeGraph>> {
  const calib = randomInput(graph.tensors['x']!.shape as number[], 32, 1);
  const ranges = await calibrate(
    graph,
    { x: calib.data, shape: calib.shape as [number, number, number, number] },
    { engine: 'interpreter' },
  );
  return quantizeGraph(graph, ranges);
}
