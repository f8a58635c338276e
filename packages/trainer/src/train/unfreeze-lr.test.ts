import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTrainConfig } from './checkpoint.js';
import type { TrainConfigInput } from './config.js';
import { flatWeights, toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';
import { withTrainingOptions } from './training-options.js';
import { validateTrainConfig } from './validate.js';

let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'edgeml-unfreeze-lr-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Frozen backbone for epoch 1, everything from epoch 2, cosine with warm-up: 6 steps per epoch. */
const BASE: TrainConfigInput = {
  epochs: 3,
  batchSize: 16,
  seed: 2,
  optimizer: { name: 'adam', lr: 0.01 },
  schedule: { name: 'cosine', warmupEpochs: 1 },
  freeze: 'backbone',
  unfreezeAtEpoch: 2,
};
const SCALED: TrainConfigInput = { ...BASE, unfreezeLrScale: 0.1 };

/** Trains a fresh toy model with `config`; returns the per-step learning rates, the record and the weights. */
async function run(config: TrainConfigInput, options: Parameters<typeof train>[3] = {}) {
  const model = toyModel({ seed: 4, batchNorm: true });
  const stepLr: number[] = [];
  const { record } = await train(model, toyDataset(), config, {
    ...options,
    onProgress: (e) => {
      if (e.phase === 'batch') stepLr.push(e.metrics!['lr']!);
      options.onProgress?.(e);
    },
  });
  return { stepLr, record, weights: flatWeights(model) };
}

describe('unfreezeLrScale', { timeout: 60_000 }, () => {
  it('multiplies the scheduled rate by the scale from the unfreeze epoch on, and only then', async () => {
    const plain = await run(BASE);
    const scaled = await run(SCALED);
    expect(plain.stepLr.length).toBe(18);
    expect(scaled.stepLr.length).toBe(18);
    for (let i = 0; i < 18; i++) {
      const expected = i < 6 ? plain.stepLr[i]! : 0.1 * plain.stepLr[i]!;
      expect(scaled.stepLr[i]).toBeCloseTo(expected, 12);
    }
    // Epoch 1 is identical (frozen backbone, full rate); the records carry the lowered rate.
    expect(scaled.record.epochs[0]!.lr).toBe(plain.record.epochs[0]!.lr);
    expect(scaled.record.epochs[1]!.lr).toBeCloseTo(0.1 * plain.record.epochs[1]!.lr, 12);
    expect(scaled.record.epochs[2]!.lr).toBeCloseTo(0.1 * plain.record.epochs[2]!.lr, 12);
  });

  it('is the rate the optimizer steps with: a tiny scale all but stops training after the unfreeze', async () => {
    const config: TrainConfigInput = { ...BASE, epochs: 2, schedule: { name: 'constant' } };
    // Kernels only (conv and logits; [conv, 4 x BN, dense kernel, dense bias]): BatchNorm's moving
    // statistics move without a gradient step.
    const kernels = (model: tf.LayersModel) => {
      const ws = flatWeights(model);
      return [ws[0]!, ws.at(-2)!];
    };
    const largestChange = (a: Float32Array[], b: Float32Array[]) =>
      Math.max(...a.map((w, i) => w.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i]![j]!)), 0)));
    /** The largest kernel change over epoch 2 (the first unfrozen one). */
    const epoch2Change = async (input: TrainConfigInput) => {
      const model = toyModel({ seed: 4, batchNorm: true });
      let afterEpoch1: Float32Array[] = [];
      await train(model, toyDataset(), input, {
        onProgress: (e) => {
          if (e.phase === 'epoch' && e.current === 1) afterEpoch1 = kernels(model);
        },
      });
      return largestChange(afterEpoch1, kernels(model));
    };
    expect(await epoch2Change(config)).toBeGreaterThan(1e-3);
    // Adam at 0.01 * 1e-7 moves a weight by about 1e-9 per step.
    expect(await epoch2Change({ ...config, unfreezeLrScale: 1e-7 })).toBeLessThan(1e-6);
  });

  it('resumes across the unfreeze epoch with the lowered rate (same weights as an uninterrupted run)', async () => {
    const reference = await run(SCALED, { checkpointDir: join(root, 'full') });
    for (const stopAfter of [1, 2]) {
      const dir = join(root, `stop-${stopAfter}`);
      const controller = new AbortController();
      await expect(
        run(SCALED, {
          checkpointDir: dir,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.phase === 'epoch' && e.current === stopAfter) controller.abort(new Error('interrupted'));
          },
        }),
      ).rejects.toThrow('interrupted');
      const resumed = await run(SCALED, { checkpointDir: dir, resume: true });
      expect(resumed.record.resumedFromEpoch).toBe(stopAfter);
      // The resumed steps ran at the lowered rate, exactly as in the uninterrupted run.
      expect(resumed.stepLr).toEqual(reference.stepLr.slice(stopAfter * 6));
      expect(resumed.record.epochs.map((e) => e.lr)).toEqual(reference.record.epochs.map((e) => e.lr));
      resumed.weights.forEach((w, i) => {
        expect(Array.from(w)).toEqual(Array.from(reference.weights[i]!));
      });
    }
  });

  it('refuses a resume with another scale (the config hash covers it)', async () => {
    const dir = join(root, 'changed');
    await run(SCALED, { checkpointDir: dir });
    await expect(
      run({ ...SCALED, unfreezeLrScale: 0.5 }, { checkpointDir: dir, resume: true }),
    ).rejects.toThrow(/different training config .*changed: unfreezeLrScale/);
  });
});

describe('unfreezeLrScale validation', () => {
  const errorOf = (input: unknown): ConfigError => {
    try {
      validateTrainConfig(input);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('takes a number in (0, 1] with unfreezeAtEpoch; absent keeps the config (and its hash) as before', () => {
    expect(validateTrainConfig(SCALED).unfreezeLrScale).toBe(0.1);
    expect(validateTrainConfig({ ...BASE, unfreezeLrScale: 1 }).unfreezeLrScale).toBe(1);
    const without = validateTrainConfig(BASE);
    expect('unfreezeLrScale' in without).toBe(false);
    expect(
      hashTrainConfig(validateTrainConfig({ ...BASE, unfreezeLrScale: null } as unknown as TrainConfigInput)),
    ).toBe(hashTrainConfig(without));
    expect(hashTrainConfig(validateTrainConfig(SCALED))).not.toBe(hashTrainConfig(without));
  });

  it('refuses values outside (0, 1] and a scale without unfreezeAtEpoch, naming the key', () => {
    for (const bad of [0, -0.5, 1.5, Number.NaN, '0.1']) {
      expect(errorOf({ ...BASE, unfreezeLrScale: bad }).message).toBe(
        `'unfreezeLrScale' must be a number in (0, 1], got ${typeof bad === 'string' ? `'${bad}'` : String(bad)}`,
      );
    }
    const error = errorOf({ epochs: 3, unfreezeLrScale: 0.1 });
    expect(error.message).toBe(
      "'unfreezeLrScale' (0.1) scales the learning rate from 'unfreezeAtEpoch' on, but 'unfreezeAtEpoch' is not set; set it (an integer in [1, 3]) or leave 'unfreezeLrScale' out",
    );
    expect(error.details).toMatchObject({ key: 'unfreezeLrScale' });
  });

  it('is laid over a config by withTrainingOptions (null removes it)', () => {
    expect(withTrainingOptions({ epochs: 3 }, { unfreezeLrScale: 0.2, unfreezeAtEpoch: 2 })).toEqual({
      epochs: 3,
      unfreezeAtEpoch: 2,
      unfreezeLrScale: 0.2,
    });
    expect(withTrainingOptions({ unfreezeLrScale: 0.2 }, { unfreezeLrScale: null })).toEqual({});
  });
});
