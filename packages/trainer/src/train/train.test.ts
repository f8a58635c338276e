import type { ProgressEvent } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { flatWeights, toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('train', { timeout: 60_000 }, () => {
  it('lowers the loss and reaches high accuracy on separable data, reporting progress', async () => {
    const data = toyDataset();
    const model = toyModel({ batchNorm: true, dropout: 0.2 });
    const before = await evaluate(model, data.split('validation'));
    const events: ProgressEvent[] = [];
    const { model: trained, record } = await train(
      model,
      data,
      {
        epochs: 4,
        batchSize: 16,
        optimizer: { lr: 0.01 },
        schedule: { name: 'cosine', warmupEpochs: 1 },
        seed: 1,
      },
      { onProgress: (e) => events.push(e) },
    );
    expect(trained).toBe(model);
    const after = await evaluate(model, data.split('validation'));
    expect(after.loss).toBeLessThan(before.loss / 3);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(record.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(record.epochs[3]!.loss).toBeLessThan(record.epochs[0]!.loss);
    expect(record.epochs[3]!.valAccuracy).toBe(after.accuracy);
    for (const e of record.epochs) {
      expect(e.samplesPerSecond).toBeGreaterThan(0);
      expect(e.seconds).toBeGreaterThan(0);
    }
    // warm-up then cosine: the last epoch's lr is the smallest
    expect(record.epochs[3]!.lr).toBeLessThan(record.epochs[1]!.lr);
    const batches = events.filter((e) => e.phase === 'batch');
    expect(batches.length).toBe(4 * 6);
    expect(batches[0]).toMatchObject({ current: 1, total: 6 });
    expect(batches[0]!.metrics).toHaveProperty('samplesPerSecond');
    const epochs = events.filter((e) => e.phase === 'epoch');
    expect(epochs.map((e) => [e.current, e.total])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    expect(epochs[0]!.metrics).toHaveProperty('valLoss');
  });

  it('is reproducible: the same seed gives the same weights', async () => {
    const config = {
      epochs: 1,
      batchSize: 16,
      seed: 3,
      mixupAlpha: 0.4,
      augment: { randomCropPadding: 1, horizontalFlip: true },
    };
    const a = toyModel({ dropout: 0.3 });
    const b = toyModel({ dropout: 0.3 });
    await train(a, toyDataset(), config);
    await train(b, toyDataset(), config);
    expect(flatWeights(a)).toEqual(flatWeights(b));
  });

  it('stops early and restores the best weights', async () => {
    const data = toyDataset();
    const model = toyModel();
    let epoch1: Float32Array[] = [];
    // minDelta is so large that no epoch after the first counts as an improvement.
    const { record } = await train(
      model,
      data,
      { epochs: 10, batchSize: 16, optimizer: { lr: 0.01 }, earlyStopping: { patience: 2, minDelta: 100 } },
      {
        onProgress: (e) => {
          if (e.phase === 'epoch' && e.current === 1) epoch1 = flatWeights(model);
        },
      },
    );
    expect(record.epochs.length).toBe(3);
    expect(record.stoppedEarly).toBe(true);
    expect(record.bestEpoch).toBe(1);
    expect(record.restoredBest).toBe(true);
    expect(flatWeights(model)).toEqual(epoch1);
  });

  it('keeps memory flat across epochs and frees everything it made', async () => {
    const model = toyModel({ batchNorm: true, dropout: 0.2 });
    const start = tf.memory().numTensors;
    const counts: number[] = [];
    await train(
      model,
      toyDataset(),
      {
        epochs: 4,
        batchSize: 16,
        optimizer: { name: 'adamw' },
        mixupAlpha: 0.2,
        labelSmoothing: 0.1,
        classWeights: 'balanced',
        augment: { randomCropPadding: 1 },
        earlyStopping: { patience: 10 },
        schedule: { name: 'plateau' },
      },
      { onProgress: (e) => e.phase === 'epoch' && counts.push(tf.memory().numTensors) },
    );
    expect(counts.length).toBe(4);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('freezes the backbone and unfreezes it at unfreezeAtEpoch', async () => {
    const model = toyModel();
    const conv = () => Float32Array.from(model.layers[1]!.getWeights()[0]!.dataSync());
    const head = () => Float32Array.from(model.getLayer('logits').getWeights()[0]!.dataSync());
    const conv0 = conv();
    const head0 = head();
    let conv1: Float32Array = new Float32Array();
    let head1: Float32Array = new Float32Array();
    await train(
      model,
      toyDataset(),
      { epochs: 2, batchSize: 16, freeze: 'backbone', unfreezeAtEpoch: 2 },
      {
        onProgress: (e) => {
          if (e.phase === 'epoch' && e.current === 1) {
            conv1 = conv();
            head1 = head();
          }
        },
      },
    );
    expect(conv1).toEqual(conv0);
    expect(head1).not.toEqual(head0);
    expect(conv()).not.toEqual(conv1);
    // The original flags are back (the input layer has none to speak of).
    expect(model.layers.filter((l) => l.weights.length > 0).every((l) => l.trainable)).toBe(true);
  });

  it('trains with focal loss, oversampling and a limit, and aborts on a signal', async () => {
    const data = toyDataset(96, 48, [0, 0, 0, 0, 1, 2]);
    const model = toyModel();
    const { record } = await train(model, data, {
      epochs: 3,
      batchSize: 16,
      optimizer: { name: 'sgd', lr: 0.05, nesterov: true },
      loss: { name: 'focal' },
      oversample: true,
      limit: 64,
      schedule: { name: 'step', stepSize: 1, gamma: 0.5 },
    });
    expect(record.epochs.map((e) => e.lr)).toEqual([0.05, 0.025, 0.0125]);
    expect(record.epochs[2]!.valAccuracy!).toBeGreaterThan(0.6);
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(
      train(toyModel(), data, { epochs: 1, batchSize: 16 }, { signal: controller.signal }),
    ).rejects.toThrow('stop now');
  });
});
