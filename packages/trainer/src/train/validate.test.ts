import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from './config.js';
import { validateTrainConfig } from './validate.js';

function errorOf(json: unknown, context = {}): ConfigError {
  try {
    validateTrainConfig(json, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('validateTrainConfig', () => {
  it('fills every default from an empty config', () => {
    expect(validateTrainConfig({})).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(validateTrainConfig(undefined)).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  it('uses optimizer-specific defaults', () => {
    expect(validateTrainConfig({ optimizer: { name: 'adamw' } }).optimizer).toMatchObject({
      lr: 0.001,
      weightDecay: 0.01,
    });
    expect(validateTrainConfig({ optimizer: { name: 'sgd' } }).optimizer).toMatchObject({
      lr: 0.01,
      momentum: 0.9,
    });
  });

  it('turns early stopping on with its defaults when given an object', () => {
    expect(validateTrainConfig({ earlyStopping: {} }).earlyStopping).toEqual({
      monitor: 'valLoss',
      patience: 5,
      minDelta: 0,
      restoreBest: true,
    });
    expect(validateTrainConfig({ earlyStopping: null }).earlyStopping).toBeNull();
  });

  it('accepts its own output unchanged', () => {
    const full = validateTrainConfig({
      optimizer: { name: 'sgd', nesterov: true },
      augment: { randomResizedCrop: {}, horizontalFlip: true },
      earlyStopping: {},
      classWeights: [1, 2, 3],
      limit: 10,
      freeze: 'backbone',
      unfreezeAtEpoch: 3,
      dropout: 0.2,
    });
    expect(validateTrainConfig(JSON.parse(JSON.stringify(full)))).toEqual(full);
  });

  it('names the key, the allowed range and the value', () => {
    const e = errorOf({ epochs: -3 });
    expect(e.message).toBe("'epochs' must be a positive integer, got -3");
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.details['key']).toBe('epochs');
    expect(errorOf({ epochs: 2.5 }).message).toBe("'epochs' must be a positive integer, got 2.5");
    expect(errorOf({ labelSmoothing: 1 }).message).toBe("'labelSmoothing' must be a number in [0, 1), got 1");
    expect(errorOf({ optimizer: { lr: 0 } }).message).toBe("'optimizer.lr' must be a positive number, got 0");
    expect(errorOf({ optimizer: { beta2: 1 } }).message).toBe(
      "'optimizer.beta2' must be a number in [0, 1), got 1",
    );
    expect(errorOf({ schedule: { factor: 1.5 } }).message).toBe(
      "'schedule.factor' must be a number in (0, 1), got 1.5",
    );
    expect(errorOf({ oversample: 'yes' }).message).toBe("'oversample' must be true or false, got 'yes'");
  });

  it('lists the allowed names', () => {
    expect(errorOf({ optimizer: { name: 'rmsprop' } }).message).toBe(
      "'optimizer.name' must be one of 'adam', 'adamw' or 'sgd', got 'rmsprop'",
    );
    expect(errorOf({ schedule: { name: 'linear' } }).message).toBe(
      "'schedule.name' must be one of 'constant', 'cosine', 'step' or 'plateau', got 'linear'",
    );
    expect(errorOf({ loss: { name: 'hinge' } }).message).toContain("'crossentropy' or 'focal'");
  });

  it('rejects unknown keys, so typos do not train with a default', () => {
    expect(errorOf({ epoch: 3 }).message).toMatch(
      /^unknown key 'epoch' in the training config; allowed: 'epochs', /,
    );
    expect(errorOf({ optimizer: { learningRate: 0.1 } }).details['key']).toBe('optimizer.learningRate');
  });

  it('rejects a batch larger than the training images used', () => {
    expect(errorOf({ batchSize: 128 }, { trainSize: 100 }).message).toBe(
      "'batchSize' must be at most the 100 training images used, got 128",
    );
    expect(errorOf({ batchSize: 64, limit: 50 }, { trainSize: 1000 }).message).toContain(
      'at most the 50 training images',
    );
    expect(validateTrainConfig({ batchSize: 100 }, { trainSize: 100 }).batchSize).toBe(100);
  });

  it('checks class weights, freeze and augmentation', () => {
    expect(errorOf({ classWeights: [1, 2] }, { numClasses: 3 }).message).toBe(
      "'classWeights' must be an array of 3 weights (one per class), got [1,2]",
    );
    expect(errorOf({ classWeights: 'auto' }).message).toContain("'none', 'balanced' or an array");
    expect(errorOf({ freeze: -1 }).message).toContain("'freeze' must be 'none', 'backbone' or a number");
    expect(errorOf({ epochs: 3, unfreezeAtEpoch: 4 }).message).toBe(
      "'unfreezeAtEpoch' must be an integer in [1, 3], got 4",
    );
    expect(errorOf({ augment: { randomCropPadding: 2, randomResizedCrop: {} } }).message).toContain(
      'exclude each other',
    );
    expect(validateTrainConfig({ augment: { randomResizedCrop: {} } }).augment.randomResizedCrop).toEqual({
      scale: [0.08, 1],
      ratio: [3 / 4, 4 / 3],
    });
    expect(errorOf({ augment: { randomResizedCrop: { scale: [0.5, 2] } } }).message).toContain(
      'within (0, 1]',
    );
  });
});

describe('validateTrainConfig: settings that would silently train otherwise than asked', () => {
  it('trains on the whole split when limit is at or above it, recording no limit', () => {
    expect(validateTrainConfig({ limit: 200, batchSize: 8 }, { trainSize: 58 }).limit).toBeNull();
    expect(validateTrainConfig({ limit: 58, batchSize: 8 }, { trainSize: 58 }).limit).toBeNull();
    expect(validateTrainConfig({ limit: 57, batchSize: 8 }, { trainSize: 58 }).limit).toBe(57);
    expect(validateTrainConfig({ limit: 200 }).limit).toBe(200);
  });

  it('refuses a warm-up longer than the run', () => {
    expect(errorOf({ epochs: 1, schedule: { warmupEpochs: 50 } }).message).toBe(
      "'schedule.warmupEpochs' must be at most 'epochs' (1), got 50: a longer warm-up ends after training does, so the learning rate would never reach 'optimizer.lr' (it would stop at 2% of it)",
    );
    expect(validateTrainConfig({ epochs: 2, schedule: { warmupEpochs: 2 } }).schedule.warmupEpochs).toBe(2);
  });

  it('prints a non-finite number as itself, not as null', () => {
    expect(errorOf({ optimizer: { lr: Number.POSITIVE_INFINITY } }).message).toBe(
      "'optimizer.lr' must be a positive number, got Infinity",
    );
  });
});
