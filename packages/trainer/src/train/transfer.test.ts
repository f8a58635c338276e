import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classSubset } from '../data/class-subset.js';
import { datasetReference } from '../data/dataset-reference.js';
import { logitsModel, numClassesOf } from '../model/logits.js';
import { trainPackage } from '../package/train-package.js';
import { loadTrainedPackage } from '../package/trained-package.js';
import { toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';
import {
  freezeBackbone,
  freezeFirstLayers,
  headIndex,
  modelForLabels,
  replaceHead,
  unfreezeAll,
} from './transfer.js';
import { validateTrainConfig } from './validate.js';

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

describe('fine-tuning a saved package on other classes (the article, section 3.2)', {
  timeout: 120_000,
}, () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-transfer-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const weightsOf = (layers: readonly tf.layers.Layer[]) =>
    layers.flatMap((l) => l.getWeights().map((w) => Array.from(w.dataSync())));

  it('replaces the head when the class names differ, even at the same count', () => {
    const model = toyModel({ seed: 3 });
    const kept = modelForLabels(model, ['a', 'b', 'c'], ['a', 'b', 'c']);
    expect(kept).toEqual({ model, newHead: false });
    const renamed = modelForLabels(model, ['a', 'b', 'c'], ['x', 'y', 'z'], { seed: 1 });
    expect(renamed.newHead).toBe(true);
    expect(renamed.model).not.toBe(model);
    expect(renamed.model.layers[1]).toBe(model.layers[1]);
    expect(modelForLabels(model, ['a', 'b', 'c'], ['a', 'b', 'c'], { newHead: true }).newHead).toBe(true);
    expect(numClassesOf(modelForLabels(model, ['a', 'b', 'c'], ['a', 'b']).model)).toBe(2);
  });

  it('pretrains on two classes, fine-tunes a new head on the third and first: frozen weights stay, names and lineage follow', async () => {
    const backend = { name: tf.getBackend() };
    const pretrainData = classSubset(toyDataset(), { classes: [0, 1] });
    const sourceDir = join(root, 'source');
    await trainPackage({
      model: replaceHead(toyModel({ seed: 2 }), 2, { seed: 2 }),
      modelName: 'toy',
      dataset: pretrainData,
      data: datasetReference({ name: 'toy', classes: [0, 1] }, pretrainData.info),
      config: validateTrainConfig({ epochs: 2, batchSize: 16 }),
      backend,
      outDir: sourceDir,
      name: 'source',
      toolVersion: 'test',
    });
    const source = await loadTrainedPackage(sourceDir);
    expect(source.manifest.labels).toEqual(['top', 'left']);

    const targetData = classSubset(toyDataset(), { classes: [2, 0], perClass: 8 });
    const { model, newHead } = modelForLabels(
      source.model,
      source.manifest.labels,
      targetData.info.classNames,
      {
        seed: 5,
      },
    );
    expect(newHead).toBe(true);
    const backbone = model.layers.slice(0, headIndex(model));
    const before = weightsOf(backbone);
    const headBefore = weightsOf([model.getLayer('logits')]);
    const result = await trainPackage({
      model,
      modelName: `from:${sourceDir}`,
      dataset: targetData,
      data: datasetReference({ name: 'toy', classes: [2, 0], perClass: 8 }, targetData.info),
      config: validateTrainConfig({ epochs: 3, batchSize: 8, freeze: 'backbone', optimizer: { lr: 0.03 } }),
      backend,
      outDir: join(root, 'target'),
      name: 'target',
      inputs: [{ name: sourceDir, sha256: source.manifestSha256, kind: 'manifest' }],
      toolVersion: 'test',
    });
    // Frozen: every weight before the head is bit-identical; the head trained.
    expect(weightsOf(backbone)).toEqual(before);
    expect(weightsOf([model.getLayer('logits')])).not.toEqual(headBefore);
    // The new head has the new classes' names, and the data reference records the subset.
    expect(result.manifest.labels).toEqual(['centre', 'top']);
    expect(result.manifest.data).toMatchObject({
      classes: [2, 0],
      perClass: 8,
      classNames: ['centre', 'top'],
    });
    expect(result.summary.train_images).toBe(16);
    // The lineage names the source model (its directory and manifest hash).
    const inputs = result.manifest.lineage?.[0]?.inputs ?? [];
    expect(inputs).toContainEqual({ name: sourceDir, sha256: source.manifestSha256, kind: 'manifest' });
    const reloaded = await loadTrainedPackage(join(root, 'target'));
    expect(reloaded.manifest.labels).toEqual(['centre', 'top']);
    expect(numClassesOf(reloaded.model)).toBe(2);
  });
});
