/**
 * CIFAR-10 in its standard binary form (cifar-10-batches-bin): data_batch_1.bin .. data_batch_5.bin
 * and test_batch.bin, each a run of 3,073-byte records (1 label byte, then 1,024 bytes of R,
 * 1,024 of G and 1,024 of B, each plane 32x32 row-major), converted to HWC uint8.
 *
 * - `dir` may be the folder holding the .bin files or its parent (with cifar-10-batches-bin/).
 * - Any subset of the five training batches is accepted (at least one); test_batch.bin is required.
 * - Test: test_batch.bin. Training pool: the training batches present, in batch order;
 *   validation: a seeded random subset (default 10% of the pool, 5,000 with all five), train: the rest.
 * - Errors: missing directory or files → DataNotFoundError; a size that is not a multiple of
 *   3,073 bytes or a label above 9 → DataFormatError naming the file.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, DataFormatError, DataNotFoundError } from '@edgeml/core';
import type { Dataset, InputShape } from './dataset.js';
import { createInMemoryDataset } from './in-memory-dataset.js';
import { carveValidation, resolveValidationSize } from './split-plan.js';

/** CIFAR-10 class names, index = label. */
export const CIFAR10_CLASSES: readonly string[] = [
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
];

/** Bytes of one CIFAR-10 binary record: a label and a 32x32x3 image. */
export const CIFAR10_RECORD_BYTES = 3073;

const SHAPE: InputShape = [32, 32, 3];
const PLANE = 1024;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';

/** Options of loadCifar10. */
export interface Cifar10Options {
  /** Folder with the .bin files (or its parent holding cifar-10-batches-bin/). */
  readonly dir?: string;
  /** Validation images carved from the training pool. @default 10% of the pool */
  readonly validationSize?: number;
  /** Seed of the validation carve. @default 0 */
  readonly seed?: number;
}

/** Loads CIFAR-10 binary batches from a directory. */
export async function loadCifar10(options: Cifar10Options): Promise<Dataset> {
  if (options.dir === undefined)
    throw new ConfigError("data set 'cifar10' needs a directory ('dir', --data-dir)");
  const dir = resolveBatchDir(options.dir);
  const trainFiles = TRAIN_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  if (trainFiles.length === 0) {
    throw new DataNotFoundError(
      join(dir, 'data_batch_1.bin'),
      'CIFAR-10 training batch (data_batch_1.bin .. data_batch_5.bin)',
    );
  }
  const testFile = join(dir, TEST_FILE);
  if (!existsSync(testFile)) throw new DataNotFoundError(testFile, 'CIFAR-10 test batch');
  const files = [...trainFiles, testFile];
  const batches = await Promise.all(files.map((f) => readCifarBatch(f)));
  const count = batches.reduce((n, b) => n + b.labels.length, 0);
  const imageBytes = 3 * PLANE;
  const pixels = new Uint8Array(count * imageBytes);
  const labels = new Int32Array(count);
  let row = 0;
  for (const batch of batches) {
    pixels.set(batch.pixels, row * imageBytes);
    labels.set(batch.labels, row);
    row += batch.labels.length;
  }
  const testCount = batches[batches.length - 1]?.labels.length ?? 0;
  const poolSize = count - testCount;
  const pool = Int32Array.from({ length: poolSize }, (_, i) => i);
  const test = Int32Array.from({ length: testCount }, (_, i) => poolSize + i);
  const validationSize = resolveValidationSize(poolSize, options.validationSize);
  const seed = options.seed ?? 0;
  const { train, validation } = carveValidation(pool, validationSize, seed);
  const used = trainFiles.map((f) => f.slice(dir.length + 1)).join(', ');
  return createInMemoryDataset({
    name: 'cifar10',
    classNames: CIFAR10_CLASSES,
    store: { shape: SHAPE, pixels, labels },
    rows: { train, validation, test },
    dropped: { count: 0, reasons: [] },
    splitPolicy:
      `test: ${TEST_FILE} (${testCount}); validation: ${validationSize} images drawn with seed ${seed} ` +
      `from the ${poolSize} of ${used}; train: the rest.`,
  });
}

function resolveBatchDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DataNotFoundError(dir, 'CIFAR-10 directory');
  const nested = join(dir, 'cifar-10-batches-bin');
  if (!existsSync(join(dir, TEST_FILE)) && existsSync(nested)) return nested;
  return dir;
}

/** Reads one CIFAR-10 binary batch file into HWC pixels and labels; checks size and labels. */
export async function readCifarBatch(file: string): Promise<{ pixels: Uint8Array; labels: Int32Array }> {
  const bytes = await readFile(file);
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const records = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw new DataFormatError(
      file,
      `size ${bytes.length} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
        `(${records} whole records and ${bytes.length % CIFAR10_RECORD_BYTES} extra bytes; truncated?)`,
      { bytes: bytes.length, recordBytes: CIFAR10_RECORD_BYTES },
    );
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const labels = new Int32Array(n);
  const pixels = new Uint8Array(n * 3 * PLANE);
  for (let r = 0; r < n; r++) {
    const at = r * CIFAR10_RECORD_BYTES;
    const label = bytes[at] ?? 0;
    if (label > 9) {
      throw new DataFormatError(file, `record ${r} (byte offset ${at}) has label ${label}, expected 0..9`, {
        record: r,
        label,
      });
    }
    labels[r] = label;
    const out = r * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      pixels[out + p * 3] = bytes[at + 1 + p] ?? 0;
      pixels[out + p * 3 + 1] = bytes[at + 1 + PLANE + p] ?? 0;
      pixels[out + p * 3 + 2] = bytes[at + 1 + 2 * PLANE + p] ?? 0;
    }
  }
  return { pixels, labels };
}
