/**
 * A folder of images by class, torchvision ImageFolder style: `root/<class>/**` with
 * `.png|.jpg|.jpeg` files (class folders walked recursively, symbolic links followed; see
 * image-folder-scan.ts), classes = sorted subfolder names. Two layouts:
 * - `root/train/<class>/...` + `root/test/<class>/...`: test is the test folder (its classes must
 *   be training classes); the pool is the train folder.
 * - `root/<class>/...`: per class, a seeded shuffle of its (path-sorted) images; the first
 *   round(n * testFraction) are test (default 20%), the rest the pool.
 * Validation is a seeded random subset of the pool (default 10%), train the rest.
 *
 * At load, every file is read once and checked without decoding (image-folder-check.ts): files
 * that are not PNG or JPEG (whatever their extension), truncated or corrupt are dropped, and so are
 * hidden files, other file types and broken links; each is reported in `info.dropped` with the file
 * and the reason, before any split is drawn. A class folder left without images is a
 * DataFormatError. The shape comes from the headers of all images (image-folder-shape.ts): channels
 * 3 if any image is colour, else 1; size the most common one; the options `channels` and
 * `imageSize` override them. Images are decoded lazily, one batch at a time (core's decodeImage,
 * EXIF orientation applied), converted to the channels and fitted to the size by core's fitImage
 * (`fit`: 'stretch' or 'center-crop'), the same code runtime-edge serves with. With `fixedSize`,
 * every image must already have the size. Decoded uint8 images are cached in memory when they all
 * fit in 256 MiB (option `cache`). The normalisation is computed over at most
 * `normalizationSamples` train images (a seeded sample, default 1,000; all when fewer).
 */
import { join } from 'node:path';
import {
  ConfigError,
  DataFormatError,
  formatAllowed,
  type ImageChannels,
  RESIZE_FITS,
  type ResizeFit,
  SeededRandom,
} from '@edgeml/core';
import { streamBatches } from './batching.js';
import type { Batch, BatchOptions, DataSplit, Dataset, Normalization, SplitName } from './dataset.js';
import { checkImageFiles } from './image-folder-check.js';
import { type ImageEntry, isDirectory, type SkippedPath, scanImageFolder } from './image-folder-scan.js';
import { type ProbedImage, resolveImageShape } from './image-folder-shape.js';
import { ImageLoader } from './image-loader.js';
import { pickSplit } from './in-memory-dataset.js';
import { PixelHistogram } from './normalization.js';
import { DropLog } from './npm-source.js';
import { carveValidation, countClasses, resolveValidationSize } from './split-plan.js';

/** Default share of each class held out as test when there is no root/test folder. */
export const DEFAULT_TEST_FRACTION = 0.2;

/** Largest decoded-image cache kept by default, in bytes. */
export const DEFAULT_IMAGE_CACHE_BYTES = 256 * 1024 * 1024;

/** Options of loadImageFolder. */
export interface ImageFolderOptions {
  /** Root folder. */
  readonly dir: string;
  /** Output size: a square side or [height, width]. @default the most common size among the images */
  readonly imageSize?: number | readonly [height: number, width: number] | undefined;
  /** Output channels (1 gray, 3 RGB). @default 3 if any image is colour, else 1 */
  readonly channels?: ImageChannels | undefined;
  /** How images of another aspect ratio are fitted to the output size (core's fitImage). @default 'stretch' */
  readonly fit?: ResizeFit | undefined;
  /** Require every image to have the output size (error instead of resize). @default false */
  readonly fixedSize?: boolean | undefined;
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

/** Loads an image folder (see the file comment for layouts, checks, shapes and errors). */
export async function loadImageFolder(options: ImageFolderOptions): Promise<Dataset> {
  const { dir } = options;
  const seed = options.seed ?? 0;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new ConfigError(`'testFraction' must be in [0, 1), got ${testFraction}`);
  }
  const fit = options.fit ?? 'stretch';
  if (!RESIZE_FITS.includes(fit)) {
    throw new ConfigError(`'fit' must be ${formatAllowed(RESIZE_FITS)}, got ${JSON.stringify(fit)}`, {
      allowed: RESIZE_FITS,
      value: fit,
    });
  }
  const found = await scanTrees(dir);
  const drops = new DropLog();
  for (const { path, reason } of found.skipped) drops.add(`${path}: ${reason}`);
  const { images, probed } = await keepReadable(found, drops);
  const layout = splitLayout(found, images, testFraction, seed);
  const { classNames } = found;
  const { shape, policy: shapePolicy } = resolveImageShape(probed, { ...options, fit });
  const entries = images.map(({ file, label }) => ({ file, label }));
  const cache = options.cache ?? entries.length * shape[0] * shape[1] * shape[2] <= DEFAULT_IMAGE_CACHE_BYTES;
  const loader = new ImageLoader(entries, shape, fit, cache);

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
  const dropped = drops.summary();
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
      dropped,
      splitPolicy: [
        layout.policy,
        `Validation: ${validationSize} images drawn from the pool with seed ${seed}; train: the rest.`,
        shapePolicy,
        ...(dropped.count > 0 ? [`${dropped.count} files skipped (see dropped).`] : []),
      ].join(' '),
      fit,
    },
    split: (name: SplitName) => pickSplit(splits, name),
  };
}

/** An image file found by the scan, its class and whether it is in the root/test tree. */
interface FoundImage extends ImageEntry {
  readonly inTestTree: boolean;
}

interface FoundTrees {
  readonly classNames: string[];
  readonly images: FoundImage[];
  readonly skipped: SkippedPath[];
  /** The root/train and root/test folders, when the folder has that layout. */
  readonly trainDir?: string;
  readonly testDir?: string;
  /** The folder holding the class folders of each image (by inTestTree). */
  readonly classRoot: (inTestTree: boolean) => string;
}

async function scanTrees(dir: string): Promise<FoundTrees> {
  const trainDir = join(dir, 'train');
  const testDir = join(dir, 'test');
  if (isDirectory(trainDir) && isDirectory(testDir)) {
    const trainTree = await scanImageFolder(trainDir);
    const testTree = await scanImageFolder(testDir, trainTree.classNames);
    return {
      classNames: trainTree.classNames,
      images: [
        ...trainTree.entries.map((e) => ({ ...e, inTestTree: false })),
        ...testTree.entries.map((e) => ({ ...e, inTestTree: true })),
      ],
      skipped: [...trainTree.skipped, ...testTree.skipped],
      trainDir,
      testDir,
      classRoot: (inTestTree) => (inTestTree ? testDir : trainDir),
    };
  }
  const tree = await scanImageFolder(dir);
  return {
    classNames: tree.classNames,
    images: tree.entries.map((e) => ({ ...e, inTestTree: false })),
    skipped: tree.skipped,
    classRoot: () => dir,
  };
}

/** Checks every file; drops the unreadable ones (logged), and fails if a class folder is left empty. */
async function keepReadable(
  found: FoundTrees,
  drops: DropLog,
): Promise<{ images: FoundImage[]; probed: ProbedImage[] }> {
  const checks = await checkImageFiles(found.images.map((image) => image.file));
  const images: FoundImage[] = [];
  const probed: ProbedImage[] = [];
  const lost = new Map<string, { kept: number; reasons: string[] }>();
  for (const [i, image] of found.images.entries()) {
    const check = checks[i];
    const folder = join(found.classRoot(image.inTestTree), found.classNames[image.label] ?? '');
    const tally = lost.get(folder) ?? { kept: 0, reasons: [] };
    lost.set(folder, tally);
    if (check?.ok) {
      images.push(image);
      probed.push({ file: image.file, header: check.header });
      tally.kept++;
    } else {
      const reason = check?.reason ?? `${image.file}: not checked`;
      drops.add(reason);
      tally.reasons.push(reason);
    }
  }
  for (const [folder, { kept, reasons }] of lost) {
    if (kept === 0) {
      throw new DataFormatError(
        folder,
        `class folder has no readable images (${reasons.length} dropped; first: ${reasons[0]})`,
      );
    }
  }
  return { images, probed };
}

interface Layout {
  readonly pool: Int32Array;
  readonly test: Int32Array;
  readonly policy: string;
}

/** Test rows and pool rows (indices into `images`) for the folder's layout. */
function splitLayout(
  found: FoundTrees,
  images: readonly FoundImage[],
  testFraction: number,
  seed: number,
): Layout {
  if (found.trainDir !== undefined && found.testDir !== undefined) {
    const pool: number[] = [];
    const test: number[] = [];
    for (const [i, image] of images.entries()) (image.inTestTree ? test : pool).push(i);
    return {
      pool: Int32Array.from(pool),
      test: Int32Array.from(test),
      policy: `Test: ${found.testDir} (${test.length}); pool: ${found.trainDir} (${pool.length}).`,
    };
  }
  const rng = new SeededRandom(seed);
  const byClass: number[][] = found.classNames.map(() => []);
  for (const [i, image] of images.entries()) byClass[image.label]?.push(i);
  const pool: number[] = [];
  const test: number[] = [];
  for (const rows of byClass) {
    rng.shuffle(rows);
    const k = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, k));
    pool.push(...rows.slice(k));
  }
  return {
    pool: Int32Array.from(pool).sort(),
    test: Int32Array.from(test).sort(),
    policy: `Test: round(${testFraction} * n) images of each class drawn with seed ${seed} (${test.length}); pool: the rest (${pool.length}).`,
  };
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
