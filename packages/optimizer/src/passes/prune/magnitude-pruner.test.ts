import { buildModel, selectBackend, train } from '@edgeml/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageFromModel } from '../../pipeline/pass-package.js';
import { toyDataset } from '../../pipeline/testing/toy-data.js';
import { MagnitudePruner } from './magnitude-pruner.js';
import { prunePass } from './prune-pass.js';
import { isPruningStep, sparsityAt } from './sparsity-schedule.js';

beforeAll(async () => {
  // wasm (1 thread): several times faster than cpu for these training steps.
  await selectBackend('wasm', { threads: 1 });
});

const data = toyDataset();
const tiny = () => buildModel('cnn-tiny', { inputShape: [12, 12, 1], numClasses: 4, seed: 2 });

describe('polynomial-decay schedule', () => {
  const s = {
    initialSparsity: 0.1,
    finalSparsity: 0.8,
    beginStep: 10,
    endStep: 110,
    power: 3,
    frequency: 25,
  };
  it('follows s_f + (s_i - s_f)(1 - p)^3 between begin and end', () => {
    expect(sparsityAt(s, 0)).toBe(0.1);
    expect(sparsityAt(s, 60)).toBeCloseTo(0.8 + (0.1 - 0.8) * 0.5 ** 3, 12);
    expect(sparsityAt(s, 500)).toBe(0.8);
    expect([10, 35, 60, 110].every((t) => isPruningStep(s, t))).toBe(true);
    expect([9, 11, 111].some((t) => isPruningStep(s, t))).toBe(false);
  });
});

describe('MagnitudePruner', { timeout: 60_000 }, () => {
  it('masked weights stay exactly zero through fine-tuning steps', async () => {
    const model = tiny();
    const pruner = new MagnitudePruner(model, 'per-layer');
    pruner.prune(0.6);
    const kernels = () =>
      model.layers
        .filter((l) => ['Conv2D', 'Dense'].includes(l.getClassName()))
        .map((l) => l.getWeights()[0]!.dataSync() as Float32Array);
    const zeroAt = kernels().map((k) => [...k.keys()].filter((i) => k[i] === 0));
    for (const [i, zeros] of zeroAt.entries())
      expect(zeros.length).toBe(Math.floor(kernels()[i]!.length * 0.6));
    const before = kernels();
    await train(
      model,
      data,
      { epochs: 1, batchSize: 32, optimizer: { lr: 0.01 } },
      { afterStep: () => pruner.apply() },
    );
    const after = kernels();
    for (const [i, zeros] of zeroAt.entries()) {
      for (const j of zeros) expect(after[i]![j]).toBe(0); // +0 exactly
      expect(after[i]!.some((v, j) => v !== before[i]![j])).toBe(true); // the rest trained
    }
    pruner.dispose();
  });

  it('global scope uses one threshold over all layers', () => {
    const model = tiny();
    const pruner = new MagnitudePruner(model, 'global');
    pruner.prune(0.5);
    const layers = pruner.sparsity();
    const zeros = layers.reduce((n, l) => n + l.zeros, 0);
    const total = layers.reduce((n, l) => n + l.weights, 0);
    expect(zeros).toBe(Math.floor(total * 0.5));
    expect(new Set(layers.map((l) => l.sparsity.toFixed(3))).size).toBeGreaterThan(1);
    pruner.dispose();
  });
});

describe('prune pass', { timeout: 120_000 }, () => {
  it('magnitude: reaches the target sparsity with a schedule, reports sizes and accuracies', async () => {
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const { output, report } = await prunePass
      .create({ method: 'magnitude', sparsity: 0.8, finetuneEpochs: 2, train: { batchSize: 32, seed: 1 } })
      .run(input, { toolVersion: 'test', dataset: data });
    for (const l of report.layers) expect(l['sparsity']).toBeGreaterThanOrEqual(0.79);
    expect(report.pruned.nonzeroParams).toBeLessThan(report.original.nonzeroParams * 0.35);
    expect(report.pruned.onnxGzipBytes).toBeLessThan(report.original.onnxGzipBytes);
    expect(report.pruned.params).toBe(report.original.params);
    expect(output.manifest.metrics['test_accuracy']).toMatchObject({ value: report.pruned.accuracy });
  });

  it('magnitude: on a trained model that one-shot pruning hurts, fine-tuning wins the accuracy back', async () => {
    const model = tiny();
    await train(model, data, { epochs: 3, batchSize: 32, optimizer: { lr: 0.01 }, seed: 2 });
    const input = await packageFromModel(model, 'trained-tiny', data.info);
    const { report } = await prunePass
      .create({
        method: 'magnitude',
        sparsity: 0.8,
        finetuneEpochs: 2,
        train: { batchSize: 32, optimizer: { lr: 0.01 }, seed: 1 },
      })
      .run(input, { toolVersion: 'test', dataset: data });
    expect(report.testImages).toBe(64);
    expect(report.original.accuracy).toBeGreaterThan(0.9);
    // One-shot pruning to 80% costs accuracy; fine-tuning (with the schedule) wins it back.
    // Measured (wasm, seeded, 64 test images): 100% trained, 46.9% one-shot, 95.3% fine-tuned.
    expect(report.beforeFinetune.accuracy).toBeLessThan(report.original.accuracy - 0.2);
    expect(report.pruned.accuracy).toBeGreaterThan(report.beforeFinetune.accuracy + 0.2);
    expect(report.pruned.accuracy).toBeGreaterThanOrEqual(report.original.accuracy - 0.1);
  });

  it('structured: an ordinary smaller model, fine-tuned', async () => {
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const { output, report } = await prunePass
      .create({ method: 'structured', sparsity: 0.5, finetuneEpochs: 1, train: { batchSize: 32 } })
      .run(input, { toolVersion: 'test', dataset: data });
    expect(report.pruned.macs).toBeLessThan(report.original.macs / 2);
    expect(report.layers.map((l) => [l['before'], l['after']])).toEqual([
      [8, 4],
      [16, 8],
      [32, 16],
    ]);
    expect(output.model.layers.find((l) => l.name === 'logits')!.getWeights()[0]!.shape).toEqual([16, 4]);
  });
});
