// Data-set options on a command that acts on a model: laid over the model's own data reference,
// so that `--data-dir` (a moved folder) or `--fit` keep the model's split and its test images.
import { ConfigError, type ModelManifest } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { datasetGiven, datasetOverride } from './dataset-from-options.js';

const manifest = {
  name: 'photos-cnn',
  data: {
    name: 'image-folder',
    source: '/data/photos',
    dir: '/data/photos',
    seed: 7,
    validationSize: 10,
    testFraction: 0.3,
    imageSize: 16,
    fit: 'center-crop',
    splitPolicy: '',
    classNames: ['a', 'b'],
    inputShape: [16, 16, 3],
    splitSizes: { train: 50, validation: 10, test: 30 },
  },
} as unknown as ModelManifest;

describe('datasetOverride', () => {
  it('is undefined when no data-set option is given (the model’s own data is used as recorded)', () => {
    expect(datasetGiven({ model: 'x', split: 'test' })).toBe(false);
    expect(datasetOverride({ model: 'x' }, manifest)).toBeUndefined();
  });

  it('keeps the model’s split settings when only the directory moves', () => {
    expect(datasetOverride({ 'data-dir': '/mnt/photos' }, manifest)).toEqual({
      name: 'image-folder',
      dir: '/mnt/photos',
      seed: 7,
      validationSize: 10,
      testFraction: 0.3,
      imageSize: 16,
      fit: 'center-crop',
    });
  });

  it('lays the options given over the model’s: an explicit --fit stretch and --seed hold', () => {
    expect(datasetOverride({ fit: 'stretch', seed: '3' }, manifest)).toMatchObject({
      name: 'image-folder',
      dir: '/data/photos',
      fit: 'stretch',
      seed: 3,
      testFraction: 0.3,
    });
  });

  it('starts from the defaults for another data set', () => {
    expect(datasetOverride({ dataset: 'mnist' }, manifest)).toEqual({ name: 'mnist', seed: 0 });
  });

  it('asks for --dataset when the model records none', () => {
    const bare = { name: 'old' } as unknown as ModelManifest;
    expect(() => datasetOverride({ 'data-dir': '/x' }, bare)).toThrow(ConfigError);
    expect(() => datasetOverride({ 'data-dir': '/x' }, bare)).toThrow(
      /records no data set; name one with --dataset/,
    );
  });
});
