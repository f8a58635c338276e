import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromLayersModel } from '../convert/from-tfjs.js';
import { interpretGraph } from '../ir/interpret.js';
import type { IrGraph } from '../ir/types.js';
import {
  randomImages,
  randomizeWeights,
  standInMobilenet,
  standInResnet,
} from '../testing/stand-in-models.js';
import { dropIdentities } from './drop-identities/drop-identities.js';
import { foldBatchNorm } from './fold-bn/fold-batch-norm.js';
import { fuseActivations } from './fuse-activations/fuse-activations.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function run(graph: IrGraph, x: tf.Tensor4D): Float32Array {
  const out = interpretGraph(graph, {
    [graph.inputs[0]!]: { data: x.dataSync() as Float32Array, shape: x.shape },
  });
  return out[graph.outputs[0]!]!.data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('IR passes', () => {
  const x = randomImages(3, [28, 28, 1], 11);

  for (const [name, build] of [
    ['resnet', () => standInResnet()],
    ['mobilenet', standInMobilenet],
  ] as const) {
    it(`${name}: foldBatchNorm + fuseActivations keep the outputs and never mutate their input`, () => {
      const model = build();
      randomizeWeights(model, 5);
      const graph = fromLayersModel(model);
      const snapshot = JSON.stringify(graph, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v));
      const before = run(graph, x);
      const folded = foldBatchNorm(graph);
      const bnCount = graph.nodes.filter((n) => n.op === 'BatchNorm').length;
      expect(folded.report.folded.length).toBe(bnCount);
      expect(folded.graph.nodes.some((n) => n.op === 'BatchNorm')).toBe(false);
      const fused = fuseActivations(folded.graph);
      expect(fused.report.fused.length).toBeGreaterThan(0);
      expect(fused.graph.nodes.length).toBeLessThan(graph.nodes.length);
      const after = run(fused.graph, x);
      expect(maxAbsDiff(before, after)).toBeLessThanOrEqual(1e-5);
      expect(JSON.stringify(graph, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v))).toBe(
        snapshot,
      );
      expect(fused.graph.outputs).toEqual(graph.outputs);
      model.dispose();
    });
  }

  it('keeps a BatchNorm that does not follow a conv, and one whose conv output is shared', () => {
    const input = tf.input({ shape: [6, 6, 2], name: 'in' });
    const bn0 = tf.layers.batchNormalization({ name: 'bn_in' }).apply(input) as tf.SymbolicTensor;
    const conv = tf.layers
      .conv2d({ name: 'conv', filters: 3, kernelSize: 3, padding: 'same' })
      .apply(bn0) as tf.SymbolicTensor;
    const bn1 = tf.layers.batchNormalization({ name: 'bn_shared' }).apply(conv) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([bn1, conv]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum });
    randomizeWeights(model, 1);
    const { report } = foldBatchNorm(fromLayersModel(model));
    expect(report.folded).toEqual([]);
    expect(report.skipped.map((s) => s.node)).toEqual(['bn_in', 'bn_shared']);
  });

  it('dropIdentities removes linear activations and no-op reshapes, keeping the output name', () => {
    const input = tf.input({ shape: [4], name: 'in' });
    let y = tf.layers.dense({ name: 'd', units: 3 }).apply(input) as tf.SymbolicTensor;
    y = tf.layers.activation({ name: 'lin', activation: 'linear' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.reshape({ name: 'same', targetShape: [3] }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.activation({ name: 'out', activation: 'linear' }).apply(y) as tf.SymbolicTensor;
    const graph = fromLayersModel(tf.model({ inputs: input, outputs: y }));
    const { graph: dropped, report } = dropIdentities(graph);
    expect(report.dropped.map((d) => d.node)).toEqual(['lin', 'same', 'out']);
    expect(dropped.nodes.map((n) => n.op)).toEqual(['Dense']);
    expect(dropped.outputs).toEqual(['out']);
    const v = { in: { data: new Float32Array([1, -2, 3, 0.5]), shape: [1, 4] } };
    expect(interpretGraph(dropped, v)['out']!.data).toEqual(interpretGraph(graph, v)['out']!.data);
  });
});
