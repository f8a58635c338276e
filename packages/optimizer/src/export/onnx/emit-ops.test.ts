import { SeededRandom } from '@edgeml/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { interpretGraph } from '../../ir/interpret.js';
import { inferShapes } from '../../ir/shape-inference.js';
import type { IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import { emitOnnx } from './emit-onnx.js';

const rng = new SeededRandom(3);
const random = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());
const constant = (
  name: string,
  shape: number[],
  data = random(
    shape.reduce((a, b) => a * b, 1),
    0.5,
  ),
): IrTensor => ({
  name,
  shape,
  dtype: 'float32',
  data,
});

/** A graph exercising ops the zoo does not: dilation, HardSwish, Sigmoid, unfolded BatchNorm, channel concat, NHWC reshape, avg pool 'same'. */
function opsGraph(): IrGraph {
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
    { name: 'cat', op: 'Concat', inputs: ['a', 'a'], outputs: ['k'], attrs: { axis: 3 } },
    { name: 'mul', op: 'Mul', inputs: ['k', 'k'], outputs: ['q'], attrs: {} },
    { name: 'reshape', op: 'Reshape', inputs: ['q'], outputs: ['r'], attrs: { shape: [4, 5, 6] } },
    { name: 'relu6', op: 'ReLU6', inputs: ['r'], outputs: ['s'], attrs: {} },
    { name: 'gap', op: 'GlobalAvgPool', inputs: ['s'], outputs: ['gp'], attrs: { keepDims: false } },
    { name: 'flat', op: 'Flatten', inputs: ['d'], outputs: ['f'], attrs: {} },
    { name: 'join', op: 'Concat', inputs: ['gp', 'f'], outputs: ['j'], attrs: { axis: 1 } },
    { name: 'fc', op: 'Dense', inputs: ['j', 'w3'], outputs: ['z'], attrs: { activation: 'relu' } },
    { name: 'sm', op: 'Softmax', inputs: ['z'], outputs: ['out'], attrs: { axis: 1 } },
  ];
  const tensors: Record<string, IrTensor> = {
    x: { name: 'x', shape: [-1, 9, 7, 2], dtype: 'float32' },
    w1: constant('w1', [3, 2, 2, 4]),
    b1: constant('b1', [4]),
    g: constant('g', [4], Float32Array.from([0.5, 1, 1.5, 2])),
    be: constant('be', [4]),
    m: constant('m', [4]),
    v: constant('v', [4], Float32Array.from([0.5, 1, 2, 0.7])),
    w2: constant('w2', [3, 3, 4, 2]),
  };
  const partial: IrGraph = { name: 'ops', tensors, nodes, inputs: ['x'], outputs: ['out'], metadata: {} };
  const shaped = inferShapes({ ...partial, nodes: nodes.slice(0, -2) });
  const width = shaped.tensors['j']!.shape[1]!;
  return validateGraph(inferShapes({ ...partial, tensors: { ...tensors, w3: constant('w3', [width, 5]) } }));
}

describe('ONNX emitter, op by op', () => {
  for (const layout of ['NHWC', 'NCHW'] as const) {
    it(`matches the reference interpreter on every op (${layout} input)`, async () => {
      const graph = opsGraph();
      const n = 3;
      const x = random(n * 9 * 7 * 2);
      const expected = interpretGraph(graph, { x: { data: x, shape: [n, 9, 7, 2] } })['out']!.data;
      const session = await ort.InferenceSession.create(emitOnnx(graph, { inputLayout: layout }), {
        graphOptimizationLevel: 'all',
      });
      let feed = x;
      if (layout === 'NCHW') {
        feed = new Float32Array(x.length);
        for (let b = 0; b < n; b++)
          for (let i = 0; i < 9; i++)
            for (let j = 0; j < 7; j++)
              for (let c = 0; c < 2; c++)
                feed[((b * 2 + c) * 9 + i) * 7 + j] = x[((b * 9 + i) * 7 + j) * 2 + c]!;
      }
      const shape = layout === 'NHWC' ? [n, 9, 7, 2] : [n, 2, 9, 7];
      const result = await session.run({ input: new ort.Tensor('float32', feed, shape) });
      const actual = result['probs']!.data as Float32Array;
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-5);
      await session.release();
    });
  }

  it('rejects a graph that reads an undefined tensor, naming it', () => {
    const graph = opsGraph();
    const broken = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.name === 'mul' ? { ...n, inputs: ['k', 'ghost'] } : n)),
    };
    expect(() => emitOnnx(broken as IrGraph)).toThrowError(/node 'mul' \(Mul\) reads 'ghost'/);
  });
});
