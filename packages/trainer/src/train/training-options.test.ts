// The flat training options laid over a nested training config (what `edgeml train --config FILE`
// plus flags gives the trainer): each at its place, absent keys kept, null meaning the default.
import { readOptions } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { TRAINING_DETAIL_OPTIONS, TRAINING_OPTIONS, withTrainingOptions } from './training-options.js';
import { validateTrainConfig } from './validate.js';

describe('withTrainingOptions', () => {
  const base = {
    epochs: 4,
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.8 },
    schedule: { name: 'cosine', minLr: 1e-4 },
    augment: { horizontalFlip: true },
    earlyStopping: { monitor: 'valAccuracy', patience: 2 },
    limit: 100,
  };

  it('puts each given option at its place and keeps what it does not name', () => {
    const config = withTrainingOptions(base, {
      batchSize: 32,
      lr: 0.1,
      weightDecay: 5e-4,
      warmupEpochs: 1,
      labelSmoothing: 0.1,
      mixupAlpha: 0.2,
      randomCropPadding: 4,
      cutout: 8,
      loss: 'focal',
      classWeights: 'balanced',
      oversample: true,
      earlyStopping: 3,
      unfreezeAtEpoch: 2,
    });
    expect(config).toEqual({
      epochs: 4,
      batchSize: 32,
      limit: 100,
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.8, weightDecay: 5e-4 },
      schedule: { name: 'cosine', minLr: 1e-4, warmupEpochs: 1 },
      labelSmoothing: 0.1,
      mixupAlpha: 0.2,
      augment: { horizontalFlip: true, randomCropPadding: 4, cutout: 8 },
      loss: { name: 'focal' },
      classWeights: 'balanced',
      oversample: true,
      earlyStopping: { monitor: 'valAccuracy', patience: 3 },
      unfreezeAtEpoch: 2,
    });
    // The base is untouched, and the result is a config the trainer accepts.
    expect(base.optimizer).toEqual({ name: 'sgd', lr: 0.05, momentum: 0.8 });
    expect(validateTrainConfig(config).optimizer).toMatchObject({ name: 'sgd', lr: 0.1, weightDecay: 5e-4 });
  });

  it('null: the optimizer default lr, every image, early stopping off', () => {
    const config = withTrainingOptions(base, { lr: null, limit: null, earlyStopping: null });
    expect(config['optimizer']).toEqual({ name: 'sgd', momentum: 0.8 });
    expect(config['limit']).toBeNull();
    expect(config['earlyStopping']).toBeNull();
    const checked = validateTrainConfig(config);
    expect(checked.optimizer.lr).toBe(0.01); // sgd's default
    expect(checked.limit).toBeNull();
    expect(checked.earlyStopping).toBeNull();
  });

  it('nothing given: the base as it was', () => {
    expect(withTrainingOptions(base, {})).toEqual(base);
  });

  it('every declared default is what validateTrainConfig fills in', () => {
    const defaults = {
      ...readOptions(TRAINING_OPTIONS, {}, 'train'),
      ...readOptions(TRAINING_DETAIL_OPTIONS, {}, 'train'),
    };
    expect(validateTrainConfig(withTrainingOptions({}, defaults))).toEqual(validateTrainConfig({}));
  });
});
