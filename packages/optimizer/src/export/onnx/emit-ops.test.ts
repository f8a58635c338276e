import { SeededRandom } from '@edgeml/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { interpretGraph } from '../../ir/interpret.js';
import type { IrGraph } from '../../ir/types.js';
import { OP_COVERAGE_INPUT_SHAPE, opCoverageGraph } from '../../testing/op-coverage-graph.js';
import { emitOnnx } from './emit-onnx.js';

const rng = new SeededRandom(3);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const [H, W, C] = OP_COVERAGE_INPUT_SHAPE;

describe('ONNX emitter, op by op', () => {
  for (const layout of ['NHWC', 'NCHW'] as const) {
    it(`matches the reference interpreter on every op (${layout} input)`, async () => {
      const graph = opCoverageGraph();
      const n = 3;
      const x = random(n * H * W * C);
      const expected = interpretGraph(graph, { x: { data: x, shape: [n, H, W, C] } })['out']!.data;
      const session = await ort.InferenceSession.create(emitOnnx(graph, { inputLayout: layout }), {
        graphOptimizationLevel: 'all',
      });
      let feed = x;
      if (layout === 'NCHW') {
        feed = new Float32Array(x.length);
        for (let b = 0; b < n; b++)
          for (let i = 0; i < H; i++)
            for (let j = 0; j < W; j++)
              for (let c = 0; c < C; c++)
                feed[((b * C + c) * H + i) * W + j] = x[((b * H + i) * W + j) * C + c]!;
      }
      const shape = layout === 'NHWC' ? [n, H, W, C] : [n, C, H, W];
      const result = await session.run({ input: new ort.Tensor('float32', feed, shape) });
      const actual = result['probs']!.data as Float32Array;
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-5);
      await session.release();
    });
  }

  it('rejects a graph that reads an undefined tensor, naming it', () => {
    const graph = opCoverageGraph();
    const broken = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.name === 'mul' ? { ...n, inputs: ['k', 'ghost'] } : n)),
    };
    expect(() => emitOnnx(broken as IrGraph)).toThrowError(/node 'mul' \(Mul\) reads 'ghost'/);
  });
});
