import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logitsModel, numClassesOf } from '../model/logits.js';
import { toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';
import { freezeBackbone, freezeFirstLayers, headIndex, replaceHead, unfreezeAll } from './transfer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const trainableNames = (m: tf.LayersModel) =>
  m.layers.filter((l) => l.trainableWeights.length > 0).map((l) => l.name);

describe('transfer learning', { timeout: 60_000 }, () => {
  it('freezes the backbone, the first N layers, and unfreezes', () => {
    const model = toyModel({ batchNorm: true });
    freezeBackbone(model);
    expect(trainableNames(model)).toEqual(['logits']);
    freezeFirstLayers(model, 2); // input and conv
    expect(trainableNames(model)).toEqual([model.layers[2]!.name, 'logits']);
    unfreezeAll(model);
    expect(trainableNames(model).length).toBe(3);
    expect(() => freezeFirstLayers(model, 99)).toThrow(/'freeze' must be an integer in \[0, 8\]/);
  });

  it('replaces the head for a new class count, sharing the backbone', async () => {
    const model = toyModel();
    const fresh = replaceHead(model, 5, { seed: 7 });
    expect(fresh.outputs[0]!.shape).toEqual([null, 5]);
    expect(numClassesOf(fresh)).toBe(5);
    expect(fresh.layers[headIndex(fresh)]!.name).toBe('logits');
    expect(fresh.layers[fresh.layers.length - 1]!.name).toBe('probs');
    expect(fresh.layers[1]).toBe(model.layers[1]);
    const again = replaceHead(model, 5, { seed: 7 });
    expect(again.getLayer('logits').getWeights()[0]!.dataSync()).toEqual(
      fresh.getLayer('logits').getWeights()[0]!.dataSync(),
    );
    const probs = tf.tidy(() => (fresh.predict(tf.zeros([2, 8, 8, 1])) as tf.Tensor).sum(1).dataSync());
    expect(probs[0]).toBeCloseTo(1, 5);
  });

  it('fine-tunes a new head on a frozen backbone', async () => {
    const model = replaceHead(toyModel({ seed: 2 }), 3, { seed: 1 });
    const conv = model.layers[1]!.getWeights()[0]!.dataSync().slice();
    const { record } = await train(model, toyDataset(), {
      epochs: 3,
      batchSize: 16,
      freeze: 'backbone',
      optimizer: { lr: 0.03 },
    });
    expect(model.layers[1]!.getWeights()[0]!.dataSync()).toEqual(conv);
    expect(record.epochs[2]!.loss).toBeLessThan(record.epochs[0]!.loss);
  });

  it('keeps frozen BatchNorm layers in inference mode (moving statistics untouched)', async () => {
    const model = toyModel({ batchNorm: true });
    const bn = model.layers[2]!;
    const before = bn.getWeights().map((w) => Array.from(w.dataSync()));
    await train(model, toyDataset(), { epochs: 1, batchSize: 16, freeze: 'backbone' });
    expect(bn.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(Object.hasOwn(bn, 'call')).toBe(false);
    await train(model, toyDataset(), { epochs: 1, batchSize: 16 });
    expect(bn.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(before);
  });

  it('finds logits behind a softmax layer and rejects a fused softmax', () => {
    const input = tf.input({ shape: [4] });
    const dense = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const withSoftmax = tf.model({
      inputs: input,
      outputs: tf.layers.activation({ activation: 'softmax' }).apply(dense) as tf.SymbolicTensor,
    });
    expect(logitsModel(withSoftmax).outputs[0]).toBe(dense);
    const plain = tf.model({ inputs: input, outputs: dense });
    expect(logitsModel(plain)).toBe(plain);
    const fused = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(input) as tf.SymbolicTensor,
    });
    expect(() => logitsModel(fused)).toThrow(/applies softmax inside itself/);
  });
});
