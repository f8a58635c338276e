import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError, DataNotFoundError } from '@edgeml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, loadCifar10 } from './cifar10.js';

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
