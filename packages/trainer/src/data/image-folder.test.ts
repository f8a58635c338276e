import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError, DataNotFoundError, encodePng, ImageDecodeError, type RawImage } from '@edgeml/core';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from './image-folder.js';

const root = mkdtempSync(join(tmpdir(), 'edgeml-imgfolder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function solid(width: number, height: number, channels: 1 | 3, value: number): RawImage {
  return { width, height, channels, data: new Uint8Array(width * height * channels).fill(value) };
}

function jpegBytes(width: number, height: number, value: number): Uint8Array {
  const data = new Uint8Array(width * height * 4).fill(value);
  return new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
}

/** Writes files under root/name; values are file bytes. */
function tree(name: string, files: Record<string, Uint8Array | null>): string {
  const dir = join(root, name);
  for (const [path, bytes] of Object.entries(files)) {
    const full = join(dir, path);
    if (bytes === null) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, bytes);
    }
  }
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

describe('image folder (ImageFolder layout)', () => {
  it('reads sorted classes, splits by seeded fraction, decodes PNG and JPEG lazily', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 5; i++) files[`dog/d${i}.png`] = encodePng(solid(8, 8, 3, 40 * i));
    for (let i = 0; i < 5; i++) files[`cat/c${i}.jpg`] = jpegBytes(8, 8, 200);
    files['cat/notes.txt'] = new TextEncoder().encode('ignored');
    const dir = tree('flat', files);
    const dataset = await loadImageFolder({ dir, testFraction: 0.2, validationSize: 1, seed: 3 });
    const { info } = dataset;
    expect(info.classNames).toEqual(['cat', 'dog']);
    expect(info.inputShape).toEqual([8, 8, 3]);
    expect(info.splitSizes).toEqual({ train: 7, validation: 1, test: 2 });
    expect(info.classCounts.test).toEqual([1, 1]);
    const test = dataset.split('test');
    const pixels = await test.readPixels([0, 1]);
    expect(pixels.length).toBe(2 * 8 * 8 * 3);
    expect(Math.abs((pixels[0] ?? 0) - 200)).toBeLessThanOrEqual(3); // the cat JPEG
    const again = await loadImageFolder({ dir, testFraction: 0.2, validationSize: 1, seed: 3 });
    expect(again.split('test').labels).toEqual(test.labels);
    expect(await again.split('train').readPixels([0, 6])).toEqual(
      await dataset.split('train').readPixels([0, 6]),
    );
    let seen = 0;
    for await (const batch of dataset.split('train').batches({ batchSize: 3 })) seen += batch.size;
    expect(seen).toBe(7);
  });

  it('uses root/train + root/test, resizes to imageSize and converts channels', async () => {
    const dir = tree('split', {
      'train/a/1.png': encodePng(solid(4, 4, 1, 10)),
      'train/a/2.png': encodePng(solid(6, 6, 1, 20)),
      'train/b/1.png': encodePng(solid(4, 4, 1, 30)),
      'test/b/9.png': encodePng(solid(4, 4, 1, 50)),
    });
    const dataset = await loadImageFolder({ dir, imageSize: 2, channels: 3, validationSize: 0 });
    expect(dataset.info.inputShape).toEqual([2, 2, 3]);
    expect(dataset.info.splitSizes).toEqual({ train: 3, validation: 0, test: 1 });
    expect(Array.from(await dataset.split('test').readPixels([0]))).toEqual(new Array(12).fill(50));
    expect(Array.from(await dataset.split('train').readPixels([1]))).toEqual(new Array(12).fill(20));
    const bad = tree('split-bad', {
      'train/a/1.png': encodePng(solid(4, 4, 1, 0)),
      'test/z/1.png': encodePng(solid(4, 4, 1, 0)),
    });
    const error = await failure(loadImageFolder({ dir: bad }));
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(join(bad, 'test', 'z'));
  });

  it('resizes mixed sizes by default but rejects them with fixedSize, naming the file and both sizes', async () => {
    const dir = tree('mixed', {
      'a/1.png': encodePng(solid(8, 8, 1, 0)),
      'a/2.png': encodePng(solid(8, 8, 1, 0)),
      'b/1.png': encodePng(solid(8, 6, 1, 0)),
      'b/2.png': encodePng(solid(8, 8, 1, 0)),
    });
    expect((await loadImageFolder({ dir, testFraction: 0 })).info.inputShape).toEqual([8, 8, 1]);
    const error = await failure(loadImageFolder({ dir, fixedSize: true }));
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(join(dir, 'b', '1.png'));
    expect(error.message).toContain('8x6');
    expect(error.message).toContain(`${join(dir, 'a', '1.png')} is 8x8`);
  });

  it('throws typed errors for a missing dir, no classes and an empty class folder', async () => {
    const missing = await failure(loadImageFolder({ dir: join(root, 'nope') }));
    expect(missing).toBeInstanceOf(DataNotFoundError);
    expect(missing.message).toContain(join(root, 'nope'));
    const none = tree('no-classes', { 'loose.png': encodePng(solid(2, 2, 1, 0)) });
    expect(await failure(loadImageFolder({ dir: none }))).toBeInstanceOf(DataFormatError);
    const empty = tree('empty-class', {
      'a/1.png': encodePng(solid(2, 2, 1, 0)),
      'b/readme.txt': new Uint8Array(1),
    });
    const error = await failure(loadImageFolder({ dir: empty }));
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(join(empty, 'b'));
  });

  it('throws ImageDecodeError naming a corrupt PNG or JPEG, at load (train) or when read (test)', async () => {
    const good = encodePng(solid(4, 4, 1, 9));
    const badPng = good.slice(0, 40);
    const jpg = jpegBytes(16, 16, 100);
    const badJpeg = jpg.subarray(0, Math.floor(jpg.length / 2));
    for (const [name, bytes] of [
      ['x.png', badPng],
      ['x.jpg', badJpeg],
    ] as const) {
      // In the train split: the normalisation sample decodes it while loading.
      const flat = tree(`corrupt-train-${name}`, { 'a/0.png': good, [`b/${name}`]: bytes });
      const atLoad = await failure(loadImageFolder({ dir: flat, testFraction: 0, validationSize: 0 }));
      expect(atLoad).toBeInstanceOf(ImageDecodeError);
      expect(atLoad.message).toContain(join(flat, 'b', name));
      // In the test split: decoded lazily, so it fails when its batch is read.
      const split = tree(`corrupt-test-${name}`, { 'train/a/0.png': good, [`test/a/${name}`]: bytes });
      const dataset = await loadImageFolder({ dir: split, validationSize: 0 });
      const whenRead = await failure(dataset.split('test').readPixels([0]));
      expect(whenRead).toBeInstanceOf(ImageDecodeError);
      expect(whenRead.message).toContain(join(split, 'test', 'a', name));
    }
  });
});
