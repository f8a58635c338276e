import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretGraph } from '../ir/interpret.js';
import {
  randomImages,
  randomizeWeights,
  standInLenet,
  standInMobilenet,
  standInResnet,
} from '../testing/stand-in-models.js';
import { fromLayersModel } from './from-tfjs.js';
import { toLayersModel } from './to-tfjs.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const builders = { lenet: standInLenet, resnet: () => standInResnet(), mobilenet: standInMobilenet };

describe('TF.js <-> IR conversion', () => {
  for (const [name, build] of Object.entries(builders)) {
    it(`${name}: IR -> TF.js round trip predicts identically, and the reference interpreter agrees`, () => {
      const model = build();
      randomizeWeights(model, 7);
      const graph = fromLayersModel(model);
      expect(graph.nodes.some((n) => n.name.includes('drop'))).toBe(false);
      const rebuilt = toLayersModel(graph);
      const x = randomImages(4, [28, 28, 1], 3);
      const expected = (model.predict(x) as tf.Tensor).dataSync();
      const actual = (rebuilt.predict(x) as tf.Tensor).dataSync();
      expect(maxAbsDiff(expected, actual)).toBeLessThanOrEqual(1e-6);
      const ref = interpretGraph(graph, {
        [graph.inputs[0]!]: { data: x.dataSync() as Float32Array, shape: x.shape },
      });
      expect(maxAbsDiff(expected, ref[graph.outputs[0]!]!.data)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x]);
      model.dispose();
      rebuilt.dispose();
    });
  }

  it('maps conv/dense activations to fused activations and Dropout to nothing', () => {
    const graph = fromLayersModel(standInLenet());
    const convs = graph.nodes.filter((n) => n.op === 'Conv2D');
    expect(convs.map((n) => n.op === 'Conv2D' && n.attrs.activation)).toEqual(['relu', 'relu']);
    expect(graph.nodes.map((n) => n.op)).not.toContain('Identity');
    expect(graph.nodes.at(-1)?.op).toBe('Softmax');
    expect(graph.outputs).toEqual(['probs']);
  });

  it('splits a dense softmax activation into Dense + Softmax', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax', name: 'head' })],
    });
    const graph = fromLayersModel(model);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Dense', 'Softmax']);
    expect(graph.outputs).toEqual(['head']);
    const x = tf.tensor2d([[1, -2, 0.5, 3]]);
    const rebuilt = toLayersModel(graph);
    expect(
      maxAbsDiff((model.predict(x) as tf.Tensor).dataSync(), (rebuilt.predict(x) as tf.Tensor).dataSync()),
    ).toBe(0);
  });

  it('rejects an unsupported layer with its name and class', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 3, name: 'd' }),
        tf.layers.leakyReLU({ name: 'leaky' }),
      ],
    });
    expect(() => fromLayersModel(model)).toThrowError(/layer 'leaky' \(class LeakyReLU\)/);
    const tanh = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'tanh', name: 'dt' })],
    });
    expect(() => fromLayersModel(tanh)).toThrowError(/layer 'dt' \(class Dense\).*'tanh'/);
  });
});
