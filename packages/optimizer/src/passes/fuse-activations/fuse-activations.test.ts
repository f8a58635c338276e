import { SeededRandom } from '@edgeml/core';
import { loadTfliteModel } from '@edgeml/runtime-edge/node';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromLayersModel } from '../../convert/from-tfjs.js';
import { toLayersModel } from '../../convert/to-tfjs.js';
import { emitOnnx } from '../../export/onnx/emit-onnx.js';
import { emitTflite } from '../../export/tflite/emit-tflite.js';
import { interpretGraph } from '../../ir/interpret.js';
import type { FusedActivation, IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import { randomImages, randomizeWeights, standInResnet } from '../../testing/stand-in-models.js';
import { foldBatchNorm } from '../fold-bn/fold-batch-norm.js';
import { fuseActivations } from './fuse-activations.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * x [-1, 6, 6, 4] -> conv 3x3 `c` -> add(c, x, c) -> `act1` -> add(s, x) -> `act2` -> gap -> out.
 * The activations are separate nodes unless fuseActivations runs.
 */
function addChain(act1: 'ReLU' | 'ReLU6', act2: 'ReLU' | 'ReLU6' | 'Sigmoid'): IrGraph {
  const rng = new SeededRandom(4);
  const t = (name: string, shape: number[], n?: number): IrTensor => ({
    name,
    shape,
    dtype: 'float32',
    ...(n ? { data: Float32Array.from({ length: n }, () => rng.normal() * 0.5) } : {}),
  });
  const a = [-1, 6, 6, 4];
  const nodes: IrNode[] = [
    {
      name: 'conv',
      op: 'Conv2D',
      inputs: ['x', 'w'],
      outputs: ['c'],
      attrs: { strides: [1, 1], dilations: [1, 1], padding: 'same', activation: 'none' },
    },
    { name: 'sum3', op: 'Add', inputs: ['c', 'x', 'c'], outputs: ['s3'], attrs: {} },
    { name: 'act1', op: act1, inputs: ['s3'], outputs: ['s'], attrs: {} },
    { name: 'sum2', op: 'Add', inputs: ['s', 'x'], outputs: ['s2'], attrs: {} },
    { name: 'act2', op: act2, inputs: ['s2'], outputs: ['r'], attrs: {} },
    { name: 'gap', op: 'GlobalAvgPool', inputs: ['r'], outputs: ['out'], attrs: { keepDims: false } },
  ];
  const tensors = [
    t('x', a),
    t('w', [3, 3, 4, 4], 144),
    t('c', a),
    t('s3', a),
    t('s', a),
    t('s2', a),
    t('r', a),
    t('out', [-1, 4]),
  ];
  return validateGraph({
    name: 'add-chain',
    tensors: Object.fromEntries(tensors.map((x) => [x.name, x])),
    nodes,
    inputs: ['x'],
    outputs: ['out'],
    metadata: {},
  });
}

describe('fuseActivations into Add', () => {
  it('fuses the ReLU after each residual add of a ResNet and keeps its outputs', () => {
    const model = standInResnet();
    randomizeWeights(model, 5);
    const graph = foldBatchNorm(fromLayersModel(model)).graph;
    const { graph: fused, report } = fuseActivations(graph);
    const intoAdds = report.fused.filter((f) => f.into.endsWith('_add'));
    expect(intoAdds.map((f) => [f.activation, f.into, f.kind])).toEqual(
      [0, 1, 2].map((i) => [`stage${i}_out_relu`, `stage${i}_add`, 'relu']),
    );
    for (const node of fused.nodes.filter((n) => n.op === 'Add')) {
      expect(node.attrs.activation).toBe('relu');
      expect(node.outputs[0]).toBe(node.name.replace(/_add$/, '_out_relu'));
    }
    expect(fused.nodes.some((n) => n.op === 'ReLU')).toBe(false);
    const x = randomImages(2, [28, 28, 1], 3);
    const run = (g: IrGraph) =>
      interpretGraph(g, { [g.inputs[0]!]: { data: x.dataSync() as Float32Array, shape: x.shape } })[
        g.outputs[0]!
      ]!.data;
    expect(maxAbsDiff(run(graph), run(fused))).toBeLessThanOrEqual(1e-6);
    x.dispose();
    model.dispose();
  });

  it('leaves an Add whose output is read twice, or that already has an activation', () => {
    const { graph, report } = fuseActivations(addChain('ReLU', 'ReLU6'));
    expect(report.fused.map((f) => f.into)).toEqual(['sum3', 'sum2']);
    const again = fuseActivations({
      ...graph,
      nodes: [
        ...graph.nodes.slice(0, -1),
        { name: 'relu_again', op: 'ReLU', inputs: ['r'], outputs: ['rr'], attrs: {} },
        { name: 'gap', op: 'GlobalAvgPool', inputs: ['rr'], outputs: ['out'], attrs: { keepDims: false } },
      ],
      tensors: { ...graph.tensors, rr: { name: 'rr', shape: [-1, 6, 6, 4], dtype: 'float32' } },
    });
    expect(again.report.fused).toEqual([]);
    expect(again.report.skipped[0]!.reason).toMatch(/already has activation 'relu6'/);

    const twice = addChain('ReLU', 'ReLU');
    const shared = fuseActivations({
      ...twice,
      nodes: twice.nodes.map((n) => (n.name === 'sum2' ? { ...n, inputs: ['s', 's3'] } : n)),
    });
    expect(shared.report.fused.map((f) => f.into)).toEqual(['sum2']);
    expect(shared.report.skipped[0]).toMatchObject({
      node: 'act1',
      reason: expect.stringMatching(/read elsewhere/),
    });
  });

  it('rejects an unknown activation on Add', () => {
    const graph = addChain('ReLU', 'ReLU');
    const bad = graph.nodes.map((n) =>
      n.op === 'Add' ? { ...n, attrs: { activation: 'tanh' as FusedActivation } } : n,
    );
    expect(() => validateGraph({ ...graph, nodes: bad })).toThrow(/unknown activation "tanh"/);
  });

  for (const [act1, act2] of [
    ['ReLU', 'ReLU6'],
    ['ReLU6', 'Sigmoid'],
  ] as const) {
    it(`Add with fused ${act1} / ${act2}: interpreter, ONNX, TFLite and TF.js agree with the unfused graph`, async () => {
      const unfused = addChain(act1, act2);
      const { graph } = fuseActivations(unfused);
      expect(graph.nodes.filter((n) => n.op === 'Add').map((n) => n.attrs)).toEqual([
        { activation: act1.toLowerCase() },
        act2 === 'Sigmoid' ? {} : { activation: act2.toLowerCase() },
      ]);
      const n = 3;
      const rng = new SeededRandom(9);
      const x = Float32Array.from({ length: n * 144 }, () => rng.normal());
      const shape = [n, 6, 6, 4];
      const expected = interpretGraph(unfused, { x: { data: x, shape } })['out']!.data;
      const fusedRef = interpretGraph(graph, { x: { data: x, shape } })['out']!.data;
      expect(maxAbsDiff(fusedRef, expected)).toBeLessThanOrEqual(1e-6);

      const session = await ort.InferenceSession.create(emitOnnx(graph));
      const onnxOut = (await session.run({ input: new ort.Tensor('float32', x, shape) }))['probs']!
        .data as Float32Array;
      await session.release();
      expect(maxAbsDiff(onnxOut, expected)).toBeLessThanOrEqual(1e-5);

      const tflite = await loadTfliteModel(emitTflite(graph));
      const tfliteOut = tflite.predict(x, shape);
      tflite.close();
      expect(maxAbsDiff(tfliteOut, expected)).toBeLessThanOrEqual(1e-5);

      const rebuilt = toLayersModel(graph);
      const input = tf.tensor4d(x, [n, 6, 6, 4]);
      const tfOut = (rebuilt.predict(input) as tf.Tensor).dataSync() as Float32Array;
      expect(maxAbsDiff(tfOut, expected)).toBeLessThanOrEqual(1e-5);
      expect(rebuilt.layers.map((l) => l.name)).toContain(`sum3_${act1.toLowerCase()}`);
      input.dispose();
      rebuilt.dispose();
    });
  }
});
