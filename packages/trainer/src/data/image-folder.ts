/**
 * A folder of images by class, torchvision ImageFolder style: `root/<class>/*.png|*.jpg|*.jpeg`,
 * classes = sorted subfolder names. Two layouts:
 * - `root/train/<class>/...` + `root/test/<class>/...`: test is the test folder (its classes must
 *   be training classes); the pool is the train folder.
 * - `root/<class>/...`: per class, a seeded shuffle of its (name-sorted) files; the first
 *   round(n * testFraction) are test (default 20%), the rest the pool.
 * Validation is a seeded random subset of the pool (default 10%), train the rest.
 *
 * Images are decoded lazily, one batch at a time (core's decodeImage), converted to `channels` and
 * resized bilinearly to `imageSize` (default: the size and channels of the first image). With
 * `fixedSize`, every image must already have that size (checked from the headers at load time):
 * a mismatch is a DataFormatError naming the file and both sizes. Decoded uint8 images are cached
 * in memory when they all fit in 256 MiB (option `cache`). The normalisation is computed over at
 * most `normalizationSamples` train images (a seeded sample, default 1,000; all when fewer).
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  DataFormatError,
  decodeImage,
  type ImageChannels,
  probeImage,
  type ResizeFit,
  SeededRandom,
} from '@edgeml/core';
import { streamBatches } from './batching.js';
import type {
  Batch,
  BatchOptions,
  DataSplit,
  Dataset,
  InputShape,
  Normalization,
  SplitName,
} from './dataset.js';
import { type ImageEntry, isDirectory, type ScannedFolder, scanImageFolder } from './image-folder-scan.js';
import { ImageLoader } from './image-loader.js';
import { pickSplit } from './in-memory-dataset.js';
import { PixelHistogram } from './normalization.js';
import { carveValidation, countClasses, resolveValidationSize } from './split-plan.js';

/** Default share of each class held out as test when there is no root/test folder. */
export const DEFAULT_TEST_FRACTION = 0.2;

/** Largest decoded-image cache kept by default, in bytes. */
export const DEFAULT_IMAGE_CACHE_BYTES = 256 * 1024 * 1024;

/** Options of loadImageFolder. */
export interface ImageFolderOptions {
  /** Root folder. */
  readonly dir: string;
  /** Output size: a square side or [height, width]. @default the first image's size */
  readonly imageSize?: number | readonly [height: number, width: number];
  /** Output channels (1 gray, 3 RGB). @default the first image's channels */
  readonly channels?: ImageChannels;
  /** How images of another aspect ratio are fitted to the output size (not implemented yet). @default 'stretch' */
  readonly fit?: ResizeFit | undefined;
  /** Require every image to have the size of the first (error instead of resize). @default false */
  readonly fixedSize?: boolean;
  /** Share of each class held out as test without a root/test folder. @default 0.2 */
  readonly testFraction?: number;
  /** Validation images carved from the training pool. @default 10% of the pool */
  readonly validationSize?: number;
  /** Seed of the test and validation draws and of the normalisation sample. @default 0 */
  readonly seed?: number;
  /** Keep decoded uint8 images in memory. @default true when they fit in 256 MiB */
  readonly cache?: boolean;
  /** Use this normalisation instead of computing one. */
  readonly normalization?: Normalization;
  /** Train images decoded to compute the normalisation. @default 1000 */
  readonly normalizationSamples?: number;
}

/** A split of an image folder, decoded lazily through a shared ImageLoader. */
class ImageFolderSplit implements DataSplit {
  readonly size: number;
  readonly labels: Int32Array;

  constructor(
    readonly name: SplitName,
    private readonly loader: ImageLoader,
    private readonly rows: Int32Array,
    private readonly normalization: Normalization,
  ) {
    this.size = rows.length;
    this.labels = Int32Array.from(rows, (r) => loader.entries[r]?.label ?? 0);
  }

  async readPixels(indices: ArrayLike<number>): Promise<Uint8Array> {
    const rows = Array.from(indices, (i) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.size) {
        throw new RangeError(`${this.name} split has ${this.size} images; index ${i} is out of range`);
      }
      return this.rows[i] ?? 0;
    });
    return this.loader.readMany(rows);
  }

  batches(options: BatchOptions): AsyncIterable<Batch> {
    return streamBatches(this, this.loader.shape, this.normalization, options);
  }
}

/** Loads an image folder (see the file comment for layouts, sizes and errors). */
export async function loadImageFolder(options: ImageFolderOptions): Promise<Dataset> {
  const { dir } = options;
  const seed = options.seed ?? 0;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new ConfigError(`'testFraction' must be in [0, 1), got ${testFraction}`);
  }
  const layout = await scanLayout(dir, testFraction, seed);
  const { classNames, entries } = layout;
  const first = entries[0];
  if (first === undefined) throw new DataFormatError(dir, 'has no images');
  const firstImage = decodeImage(await readWhole(first.file), first.file);
  const shape = resolveShape(options, firstImage.height, firstImage.width, firstImage.channels);
  if (options.fixedSize) await checkFixedSizes(entries, first.file, firstImage.width, firstImage.height);
  const cache = options.cache ?? entries.length * shape[0] * shape[1] * shape[2] <= DEFAULT_IMAGE_CACHE_BYTES;
  const loader = new ImageLoader(entries, shape, options.fixedSize ? first.file : undefined, cache);

  const validationSize = resolveValidationSize(layout.pool.length, options.validationSize);
  const { train, validation } = carveValidation(layout.pool, validationSize, seed);
  const normalization =
    options.normalization ?? (await sampleNormalization(loader, train, shape[2], seed, options));
  const labels = Int32Array.from(entries, (e) => e.label);
  const n = classNames.length;
  const rows = { train, validation, test: layout.test };
  const splits = {
    train: new ImageFolderSplit('train', loader, train, normalization),
    validation: new ImageFolderSplit('validation', loader, validation, normalization),
    test: new ImageFolderSplit('test', loader, layout.test, normalization),
  };
  return {
    info: {
      name: 'image-folder',
      classNames,
      inputShape: shape,
      normalization,
      splitSizes: { train: train.length, validation: validation.length, test: layout.test.length },
      classCounts: {
        train: countClasses(labels, rows.train, n),
        validation: countClasses(labels, rows.validation, n),
        test: countClasses(labels, rows.test, n),
      },
      dropped: { count: 0, reasons: [] },
      splitPolicy: `${layout.policy} Validation: ${validationSize} images drawn from the pool with seed ${seed}; train: the rest.`,
    },
    split: (name: SplitName) => pickSplit(splits, name),
  };
}

interface Layout extends ScannedFolder {
  readonly pool: Int32Array;
  readonly test: Int32Array;
  readonly policy: string;
}

async function scanLayout(dir: string, testFraction: number, seed: number): Promise<Layout> {
  const trainDir = join(dir, 'train');
  const testDir = join(dir, 'test');
  if (isDirectory(trainDir) && isDirectory(testDir)) {
    const trainTree = await scanImageFolder(trainDir);
    const testTree = await scanImageFolder(testDir, trainTree.classNames);
    const entries = [...trainTree.entries, ...testTree.entries];
    const poolSize = trainTree.entries.length;
    return {
      classNames: trainTree.classNames,
      entries,
      pool: Int32Array.from({ length: poolSize }, (_, i) => i),
      test: Int32Array.from({ length: testTree.entries.length }, (_, i) => poolSize + i),
      policy: `Test: ${testDir} (${testTree.entries.length}); pool: ${trainDir} (${poolSize}).`,
    };
  }
  const tree = await scanImageFolder(dir);
  const rng = new SeededRandom(seed);
  const byClass: number[][] = tree.classNames.map(() => []);
  for (const [i, entry] of tree.entries.entries()) byClass[entry.label]?.push(i);
  const pool: number[] = [];
  const test: number[] = [];
  for (const rows of byClass) {
    rng.shuffle(rows);
    const k = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, k));
    pool.push(...rows.slice(k));
  }
  return {
    ...tree,
    pool: Int32Array.from(pool).sort(),
    test: Int32Array.from(test).sort(),
    policy: `Test: round(${testFraction} * n) images of each class drawn with seed ${seed} (${test.length}); pool: the rest (${pool.length}).`,
  };
}

function resolveShape(
  options: ImageFolderOptions,
  height: number,
  width: number,
  channels: ImageChannels,
): InputShape {
  const size = options.imageSize;
  const [h, w] = size === undefined ? [height, width] : typeof size === 'number' ? [size, size] : size;
  for (const v of [h, w]) {
    if (!Number.isInteger(v) || v < 1 || v > 4096)
      throw new ConfigError(`'imageSize' must be an integer in [1, 4096], got ${v}`);
  }
  const c = options.channels ?? channels;
  if (c !== 1 && c !== 3) throw new ConfigError(`'channels' must be 1 or 3, got ${String(c)}`);
  if (options.fixedSize && (h !== height || w !== width)) {
    throw new ConfigError(
      `'imageSize' ${w}x${h} conflicts with fixed size: the first image is ${width}x${height}`,
    );
  }
  return [h, w, c];
}

async function readWhole(file: string): Promise<Uint8Array> {
  return readFile(file);
}

/** Reads only the first 64 KiB of each file (the whole file if its header lies further). */
async function checkFixedSizes(
  entries: readonly ImageEntry[],
  reference: string,
  width: number,
  height: number,
) {
  for (const entry of entries) {
    const handle = await open(entry.file, 'r');
    let head: Uint8Array;
    try {
      const buffer = new Uint8Array(65536);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    const header = probeImage(head) ?? probeImage(await readWhole(entry.file));
    // An unreadable header is reported by decodeImage (ImageDecodeError) when the image is loaded.
    if (header && (header.width !== width || header.height !== height)) {
      throw new DataFormatError(
        entry.file,
        `is ${header.width}x${header.height} but ${reference} is ${width}x${height} (fixed size: all images must match)`,
        { width: header.width, height: header.height, expectedWidth: width, expectedHeight: height },
      );
    }
  }
}

async function sampleNormalization(
  loader: ImageLoader,
  train: Int32Array,
  channels: number,
  seed: number,
  options: ImageFolderOptions,
): Promise<Normalization> {
  const max = options.normalizationSamples ?? 1000;
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigError(`'normalizationSamples' must be a positive integer, got ${max}`);
  }
  const rows = Array.from(train);
  const sample = rows.length <= max ? rows : new SeededRandom(seed).shuffle(rows).slice(0, max);
  const histogram = new PixelHistogram(channels);
  for (let i = 0; i < sample.length; i += 64) histogram.add(await loader.readMany(sample.slice(i, i + 64)));
  return histogram.normalization();
}
