import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  convertChannels,
  DataFormatError,
  DataNotFoundError,
  decodeImage,
  encodePng,
  fitImage,
} from '@edgeml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from './image-folder.js';
import { jpegOf, pngOfType, solid, withExifOrientation, writeTree } from './testing/image-files.js';

const root = mkdtempSync(join(tmpdir(), 'edgeml-imgfolder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tree = (name: string, items: Parameters<typeof writeTree>[1]) => writeTree(join(root, name), items);

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

/** Every image of every split as arrays of pixel bytes, keyed by split. */
async function allPixels(dataset: Awaited<ReturnType<typeof loadImageFolder>>, split: 'train' | 'test') {
  const s = dataset.split(split);
  const bytes = await s.readPixels(Array.from({ length: s.size }, (_, i) => i));
  const per = dataset.info.inputShape.reduce((a, b) => a * b, 1);
  return Array.from({ length: s.size }, (_, i) => Array.from(bytes.subarray(i * per, (i + 1) * per)));
}

function maxDifference(a: readonly number[], b: readonly number[]): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] ?? 0))), 0);
}

describe('image folder (ImageFolder layout)', () => {
  it('reads sorted classes, splits by seeded fraction, decodes PNG and JPEG lazily', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 5; i++) files[`dog/d${i}.png`] = encodePng(solid(8, 8, 3, 40 * i));
    for (let i = 0; i < 5; i++) files[`cat/c${i}.jpg`] = jpegOf(solid(8, 8, 3, 200));
    const dir = tree('flat', files);
    const dataset = await loadImageFolder({ dir, testFraction: 0.2, validationSize: 1, seed: 3 });
    const { info } = dataset;
    expect(info.classNames).toEqual(['cat', 'dog']);
    expect(info.inputShape).toEqual([8, 8, 3]);
    expect(info.splitSizes).toEqual({ train: 7, validation: 1, test: 2 });
    expect(info.classCounts.test).toEqual([1, 1]);
    expect(info.dropped).toEqual({ count: 0, reasons: [] });
    expect(info.fit).toBe('stretch');
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

  it('keeps class folders of unequal size, holding out round(n * testFraction) of each', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++)
      files[`many/${String(i).padStart(2, '0')}.png`] = encodePng(solid(4, 4, 1, i));
    for (let i = 0; i < 3; i++) files[`few/${i}.png`] = encodePng(solid(4, 4, 1, 100 + i));
    files['one/0.png'] = encodePng(solid(4, 4, 1, 200));
    const { info } = await loadImageFolder({ dir: tree('unequal', files), validationSize: 0 });
    expect(info.classNames).toEqual(['few', 'many', 'one']);
    // round(3 * 0.2) = 1, round(12 * 0.2) = 2, round(1 * 0.2) = 0.
    expect(info.classCounts.test).toEqual([1, 2, 0]);
    expect(info.classCounts.train).toEqual([2, 10, 1]);
  });

  it('throws typed errors for a missing dir, no classes, an empty class folder and an unknown fit', async () => {
    const missing = await failure(loadImageFolder({ dir: join(root, 'nope') }));
    expect(missing).toBeInstanceOf(DataNotFoundError);
    expect(missing.message).toContain(join(root, 'nope'));
    const none = tree('no-classes', { 'loose.png': encodePng(solid(2, 2, 1, 0)) });
    expect(await failure(loadImageFolder({ dir: none }))).toBeInstanceOf(DataFormatError);
    const empty = tree('empty-class', {
      'a/1.png': encodePng(solid(2, 2, 1, 0)),
      'b/readme.txt': 'not an image',
    });
    const error = await failure(loadImageFolder({ dir: empty }));
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(join(empty, 'b'));
    const fit = await failure(loadImageFolder({ dir: empty, fit: 'cover' as 'stretch' }));
    expect(fit).toBeInstanceOf(ConfigError);
    expect(fit.message).toContain(`'fit' must be 'stretch' or 'center-crop', got "cover"`);
  });
});

describe('image folders as users have them', () => {
  it('mixes PNG and JPEG, every PNG colour type and several sizes: RGB at the most common size', async () => {
    const gray = pngOfType(8, 8, 0, new Uint8Array(64).fill(90));
    const grayAlpha = pngOfType(
      8,
      8,
      4,
      Uint8Array.from({ length: 128 }, (_, i) => (i % 2 ? 7 : 60)),
    );
    const rgb = pngOfType(
      8,
      8,
      2,
      Uint8Array.from({ length: 192 }, (_, i) => [10, 20, 30][i % 3] ?? 0),
    );
    const rgba = pngOfType(
      8,
      8,
      6,
      Uint8Array.from({ length: 256 }, (_, i) => [200, 100, 50, 3][i % 4] ?? 0),
    );
    const palette = pngOfType(12, 6, 3, new Uint8Array(72).fill(1), [
      [0, 0, 0],
      [250, 5, 120],
    ]);
    const dir = tree('mixed-types', {
      // The first image (by name) is grayscale and 1x1: neither decides the channels or the size.
      'a/0-tiny.png': pngOfType(1, 1, 0, Uint8Array.of(33)),
      'a/1-gray.png': gray,
      'a/2-gray-alpha.PNG': grayAlpha,
      'b/1-rgb.png': rgb,
      'b/2-rgba.png': rgba,
      'b/3-palette.png': palette,
      'b/4-photo.JPG': jpegOf(solid(16, 16, 3, [30, 140, 220])),
    });
    const dataset = await loadImageFolder({ dir, testFraction: 0, validationSize: 0 });
    const { info } = dataset;
    expect(info.inputShape).toEqual([8, 8, 3]);
    expect(info.splitPolicy).toContain(
      "Images: 8x8 (the most common size, 4 of 7 images), RGB (4 of 7 images are colour), fit 'stretch'.",
    );
    const images = await allPixels(dataset, 'train');
    const first = (pixels: number[] | undefined) => pixels?.slice(0, 3);
    expect(images.map(first)).toEqual([
      [33, 33, 33], // 1x1 gray, resized up and copied to R, G, B
      [90, 90, 90],
      [60, 60, 60], // gray + alpha: alpha dropped
      [10, 20, 30],
      [200, 100, 50], // RGBA: alpha dropped
      [250, 5, 120], // palette expanded
      expect.any(Array),
    ]);
    expect(
      maxDifference(
        images[6] ?? [],
        new Array(192).fill(0).map((_, i) => [30, 140, 220][i % 3] ?? 0),
      ),
    ).toBeLessThanOrEqual(3);
    for (const image of images) expect(image).toHaveLength(8 * 8 * 3);
  });

  it('is grayscale only when every image is; a tie in size goes to the larger', async () => {
    const dir = tree('all-gray', {
      'a/1.png': pngOfType(4, 4, 0, new Uint8Array(16).fill(1)),
      'a/2.png': pngOfType(4, 4, 4, new Uint8Array(32).fill(2)),
      'b/1.png': pngOfType(6, 3, 0, new Uint8Array(18).fill(3)),
      'b/2.png': pngOfType(6, 3, 0, new Uint8Array(18).fill(4)),
    });
    const { info } = await loadImageFolder({ dir, testFraction: 0 });
    expect(info.inputShape).toEqual([3, 6, 1]); // 6x3 = 18 pixels beats 4x4 = 16
    expect(info.splitPolicy).toContain('grayscale (all 4 images are grayscale)');
  });

  it('applies EXIF orientation (6, 3, 8) to phone JPEGs, as browsers and PIL exif_transpose do', async () => {
    // Upright: 16 wide, 8 tall; left half dark, right half bright.
    const upright = solid(16, 8, 3, 0);
    for (let y = 0; y < 8; y++)
      for (let x = 8; x < 16; x++) upright.data.set([240, 240, 240], (y * 16 + x) * 3);
    // What the camera stores for each orientation: the upright scene turned the other way.
    const turned90 = solid(8, 16, 3, 0); // orientation 6: rotate 90° clockwise to show
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) turned90.data.set([240, 240, 240], (y * 8 + x) * 3);
    const turned270 = solid(8, 16, 3, 0); // orientation 8: rotate 90° counter-clockwise to show
    for (let y = 8; y < 16; y++)
      for (let x = 0; x < 8; x++) turned270.data.set([240, 240, 240], (y * 8 + x) * 3);
    const turned180 = solid(16, 8, 3, 0); // orientation 3
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) turned180.data.set([240, 240, 240], (y * 16 + x) * 3);
    const dir = tree('exif', {
      'photos/1-upright.jpg': jpegOf(upright),
      'photos/3-upside-down.jpg': withExifOrientation(jpegOf(turned180), 3),
      'photos/6-portrait.jpg': withExifOrientation(jpegOf(turned90), 6),
      'photos/8-portrait.jpg': withExifOrientation(jpegOf(turned270), 8),
    });
    const dataset = await loadImageFolder({ dir, testFraction: 0, validationSize: 0 });
    // Upright, every image is 16x8; stored, two are 8x16 and would win the tie.
    expect(dataset.info.inputShape).toEqual([8, 16, 3]);
    const reference = Array.from(upright.data);
    for (const [i, pixels] of (await allPixels(dataset, 'train')).entries()) {
      expect(maxDifference(pixels, reference), `image ${i}`).toBeLessThanOrEqual(12);
    }
  });

  it('skips stray files with a reason naming each, and drops truncated or fake images at load', async () => {
    const good = encodePng(solid(4, 4, 1, 9));
    const jpg = jpegOf(solid(16, 16, 3, 100));
    const dir = tree('stray', {
      'train/a/0.png': good,
      'train/a/1.png': good,
      'train/a/.DS_Store': 'Bud1\0\0\0binary',
      'train/a/notes.txt': 'remember to relabel',
      'train/b/0.png': good,
      'train/b/fake.png': 'this is text, not a PNG',
      'train/b/cut.jpg': jpg.subarray(0, Math.floor(jpg.length / 2)),
      'test/a/0.png': good,
      'test/a/truncated.png': good.subarray(0, 40),
      'test/b/0.png': good,
    });
    const dataset = await loadImageFolder({ dir, validationSize: 0 });
    const { info } = dataset;
    expect(info.splitSizes).toEqual({ train: 3, validation: 0, test: 2 });
    expect(info.dropped.count).toBe(5);
    const reasons = info.dropped.reasons.join('\n');
    expect(reasons).toContain(`${join(dir, 'train', 'a', '.DS_Store')}: hidden file`);
    expect(reasons).toContain(`${join(dir, 'train', 'a', 'notes.txt')}: not an image file`);
    expect(reasons).toContain(`${join(dir, 'train', 'b', 'fake.png')}: unknown format (not PNG or JPEG`);
    expect(reasons).toContain(`${join(dir, 'train', 'b', 'cut.jpg')}: truncated JPEG`);
    expect(reasons).toContain(`${join(dir, 'test', 'a', 'truncated.png')}: truncated PNG`);
    expect(info.splitPolicy).toContain('5 files skipped (see dropped).');
    // Nothing unreadable is left for training or evaluation to trip over.
    expect((await allPixels(dataset, 'test')).length).toBe(2);
  });

  it('fails naming the class folder when every image in it is unreadable', async () => {
    const dir = tree('all-bad', {
      'a/0.png': encodePng(solid(4, 4, 1, 9)),
      'b/0.png': encodePng(solid(4, 4, 1, 9)).subarray(0, 50),
    });
    const error = await failure(loadImageFolder({ dir }));
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.message).toContain(`${join(dir, 'b')}: class folder has no readable images`);
    expect(error.message).toContain('truncated PNG');
  });

  it('walks nested subfolders of a class, ordered by folder, then name', async () => {
    const dir = tree('nested', {
      'a/z.png': encodePng(solid(4, 4, 1, 1)),
      'a/2019/x.png': encodePng(solid(4, 4, 1, 2)),
      'a/2019/march/deep.jpg': jpegOf(solid(4, 4, 1, 3)),
      'a/2020/y.png': encodePng(solid(4, 4, 1, 4)),
      'b/only.png': encodePng(solid(4, 4, 1, 5)),
    });
    const dataset = await loadImageFolder({ dir, testFraction: 0, validationSize: 0 });
    expect(dataset.info.classCounts.train).toEqual([4, 1]);
    expect((await allPixels(dataset, 'train')).map((p) => p[0])).toEqual([1, 2, expect.any(Number), 4, 5]);
  });

  it('follows symbolic links to class folders and to image files; reports broken links and loops', async () => {
    const elsewhere = tree('link-targets', {
      'dogs/d1.png': encodePng(solid(4, 4, 1, 10)),
      'dogs/d2.png': encodePng(solid(4, 4, 1, 11)),
      'cat-pictures/c1.png': encodePng(solid(4, 4, 1, 20)),
      'cat-pictures/c2.jpg': jpegOf(solid(4, 4, 1, 21)),
    });
    const dir = tree('links', {
      dog: { link: join(elsewhere, 'dogs') },
      'cat/c1.png': { link: join(elsewhere, 'cat-pictures', 'c1.png') },
      'cat/c2.jpg': { link: join(elsewhere, 'cat-pictures', 'c2.jpg') },
      'cat/gone.png': { link: join(elsewhere, 'no-such-file.png') },
      'cat/again': { link: '.' }, // a loop: cat/again/again/...
    });
    const dataset = await loadImageFolder({ dir, testFraction: 0, validationSize: 0 });
    const { info } = dataset;
    expect(info.classNames).toEqual(['cat', 'dog']);
    expect(info.classCounts.train).toEqual([2, 2]);
    expect(info.dropped.count).toBe(2);
    expect(info.dropped.reasons).toEqual([
      `${join(dir, 'cat', 'gone.png')}: broken symbolic link`,
      expect.stringMatching(/links\/cat\/again: same folder as \., already walked/),
    ]);
    expect((await allPixels(dataset, 'train')).map((p) => p[0])).toEqual([20, expect.any(Number), 10, 11]);
  });

  it('center-crops with core fitImage (the code runtime-edge serves with) and records the fit', async () => {
    // 12x6 with bands: columns 0-2 dark, 3-8 mid, 9-11 bright; centre 6x6 crop = columns 3-8.
    const banded = solid(12, 6, 1, 100);
    for (let y = 0; y < 6; y++) {
      for (const x of [0, 1, 2]) banded.data[y * 12 + x] = 0;
      for (const x of [9, 10, 11]) banded.data[y * 12 + x] = 250;
    }
    const photo = jpegOf(solid(20, 30, 3, [200, 30, 30]));
    const dir = tree('crop', { 'a/banded.png': encodePng(banded), 'a/photo.jpg': photo });
    const cropped = await loadImageFolder({
      dir,
      imageSize: 6,
      testFraction: 0,
      validationSize: 0,
      fit: 'center-crop',
    });
    expect(cropped.info.fit).toBe('center-crop');
    expect(cropped.info.splitPolicy).toContain("fit 'center-crop'");
    const [band, portrait] = await allPixels(cropped, 'train');
    expect(band).toEqual(new Array(6 * 6 * 3).fill(100));
    const expected = fitImage(convertChannels(decodeImage(photo), 3), 6, 6, 'center-crop');
    expect(portrait).toEqual(Array.from(expected.data));
    const stretched = await loadImageFolder({ dir, imageSize: 6, testFraction: 0, validationSize: 0 });
    expect(stretched.info.fit).toBe('stretch');
    const [squeezed] = await allPixels(stretched, 'train');
    expect(squeezed?.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('with fixedSize, names the odd image, its size and a file of the most common size', async () => {
    const dir = tree('fixed', {
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
});
