/**
 * An IR graph exercising what the zoo does not, for emitter op-by-op tests against the reference
 * interpreter: explicit Pad, dilation with asymmetric strides and a fused hard-swish, an unfolded
 * BatchNorm, depth multiplier 2 with a fused sigmoid, 'same' average pooling, channel Concat, a
 * three-input Add, Mul, a Reshape across spatial axes, ReLU6, Sigmoid, HardSwish, GlobalAvgPool
 * with and without keepDims, Identity, Flatten, Dense with fused ReLU and Softmax. Seeded weights.
 * Test fixtures only: not exported from the package.
 */

import { SeededRandom } from '@edgeml/core';
import { inferShapes } from '../ir/shape-inference.js';
import type { IrGraph, IrNode, IrTensor } from '../ir/types.js';
import { validateGraph } from '../ir/validate.js';

/** Input shape of opCoverageGraph (batch dynamic). */
export const OP_COVERAGE_INPUT_SHAPE = [9, 7, 2] as const;

/** The op-coverage graph: input `x` `[-1, 9, 7, 2]`, output `out` `[-1, 5]` (softmax). */
export function opCoverageGraph(seed = 3): IrGraph {
  const rng = new SeededRandom(seed);
  const random = (n: number, scale = 0.5) => Float32Array.from({ length: n }, () => scale * rng.normal());
  const constant = (name: string, shape: number[], data?: Float32Array): IrTensor => ({
    name,
    shape,
    dtype: 'float32',
    data: data ?? random(shape.reduce((a, b) => a * b, 1)),
  });
  const nodes: IrNode[] = [
    {
      name: 'pad',
      op: 'Pad',
      inputs: ['x'],
      outputs: ['p'],
      attrs: {
        pads: [
          [1, 0],
          [0, 2],
        ],
      },
    },
    {
      name: 'conv',
      op: 'Conv2D',
      inputs: ['p', 'w1', 'b1'],
      outputs: ['c'],
      attrs: { strides: [1, 2], dilations: [2, 1], padding: 'same', activation: 'hardSwish' },
    },
    {
      name: 'bn',
      op: 'BatchNorm',
      inputs: ['c', 'g', 'be', 'm', 'v'],
      outputs: ['n'],
      attrs: { epsilon: 1e-3 },
    },
    {
      name: 'dw',
      op: 'DepthwiseConv2D',
      inputs: ['n', 'w2'],
      outputs: ['d'],
      attrs: {
        strides: [2, 2],
        dilations: [1, 1],
        padding: 'valid',
        activation: 'sigmoid',
        depthMultiplier: 2,
      },
    },
    {
      name: 'pool',
      op: 'AvgPool',
      inputs: ['n'],
      outputs: ['a'],
      attrs: { poolSize: [3, 3], strides: [2, 2], padding: 'same' },
    },
    {
      name: 'maxpool',
      op: 'MaxPool',
      inputs: ['n'],
      outputs: ['mp'],
      attrs: { poolSize: [2, 3], strides: [2, 2], padding: 'same' },
    },
    { name: 'cat', op: 'Concat', inputs: ['a', 'mp'], outputs: ['k'], attrs: { axis: 3 } },
    { name: 'sum3', op: 'Add', inputs: ['k', 'k', 'k'], outputs: ['k3'], attrs: {} },
    { name: 'mul', op: 'Mul', inputs: ['k3', 'k'], outputs: ['q'], attrs: {} },
    { name: 'reshape', op: 'Reshape', inputs: ['q'], outputs: ['r'], attrs: { shape: [3, 5, 8] } },
    { name: 'relu6', op: 'ReLU6', inputs: ['r'], outputs: ['s'], attrs: {} },
    { name: 'hswish', op: 'HardSwish', inputs: ['s'], outputs: ['hs'], attrs: {} },
    { name: 'gapk', op: 'GlobalAvgPool', inputs: ['hs'], outputs: ['gk'], attrs: { keepDims: true } },
    { name: 'sig', op: 'Sigmoid', inputs: ['gk'], outputs: ['gs'], attrs: {} },
    { name: 'gate', op: 'Mul', inputs: ['hs', 'gs'], outputs: ['gated'], attrs: {} },
    { name: 'gap', op: 'GlobalAvgPool', inputs: ['gated'], outputs: ['gp'], attrs: { keepDims: false } },
    { name: 'id', op: 'Identity', inputs: ['gp'], outputs: ['gpi'], attrs: {} },
    { name: 'flat', op: 'Flatten', inputs: ['d'], outputs: ['f'], attrs: {} },
    { name: 'join', op: 'Concat', inputs: ['gpi', 'f'], outputs: ['j'], attrs: { axis: 1 } },
    { name: 'fc', op: 'Dense', inputs: ['j', 'w3', 'b3'], outputs: ['z'], attrs: { activation: 'relu' } },
    { name: 'sm', op: 'Softmax', inputs: ['z'], outputs: ['out'], attrs: { axis: 1 } },
  ];
  const tensors: Record<string, IrTensor> = {
    x: { name: 'x', shape: [-1, ...OP_COVERAGE_INPUT_SHAPE], dtype: 'float32' },
    w1: constant('w1', [3, 2, 2, 4]),
    b1: constant('b1', [4]),
    g: constant('g', [4], Float32Array.from([0.5, 1, 1.5, 2])),
    be: constant('be', [4]),
    m: constant('m', [4]),
    v: constant('v', [4], Float32Array.from([0.5, 1, 2, 0.7])),
    w2: constant('w2', [3, 3, 4, 2]),
    b3: constant('b3', [5]),
  };
  const partial: IrGraph = {
    name: 'op-coverage',
    tensors,
    nodes,
    inputs: ['x'],
    outputs: ['out'],
    metadata: {},
  };
  const shaped = inferShapes({ ...partial, nodes: nodes.slice(0, -2) });
  const width = shaped.tensors['j']!.shape[1]!;
  return validateGraph(inferShapes({ ...partial, tensors: { ...tensors, w3: constant('w3', [width, 5]) } }));
}
