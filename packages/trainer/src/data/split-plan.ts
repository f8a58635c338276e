/**
 * How the fixed sources are split: a per-class held-out test set (the last images of each class,
 * in source order) and a validation set carved from the rest (the training pool) by a seeded
 * shuffle. Row numbers refer to a PixelStore; every returned list is sorted ascending.
 */
import { ConfigError, DataFormatError, seededPermutation } from '@edgeml/core';
import type { DatasetInfo } from './dataset.js';

/** Share of the training pool used for validation when no size is given. */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

/** The validation size to use: `requested`, or 10% of the pool (rounded); checked. */
export function resolveValidationSize(poolSize: number, requested?: number): number {
  const size = requested ?? Math.round(poolSize * DEFAULT_VALIDATION_FRACTION);
  if (!Number.isInteger(size) || size < 0 || size >= poolSize) {
    throw new ConfigError(
      `'validationSize' must be an integer in [0, ${Math.max(0, poolSize - 1)}] (the training pool has ${poolSize} images), got ${requested}`,
      { allowedMin: 0, allowedMax: poolSize - 1, value: requested },
    );
  }
  return size;
}

/** Splits pool rows into validation (a seeded random subset of `validationSize`) and train. */
export function carveValidation(
  pool: Int32Array,
  validationSize: number,
  seed: number,
): { train: Int32Array; validation: Int32Array } {
  const order = seededPermutation(pool.length, seed);
  const validation = new Int32Array(validationSize);
  const train = new Int32Array(pool.length - validationSize);
  for (let i = 0; i < order.length; i++) {
    const row = pool[order[i] ?? 0] ?? 0;
    if (i < validationSize) validation[i] = row;
    else train[i - validationSize] = row;
  }
  return { train: train.sort(), validation: validation.sort() };
}

/** Per class, the last `testCount(classSize)` rows (in row order) are test, the rest the pool. */
export function holdOutLastPerClass(
  labels: Int32Array,
  numClasses: number,
  testCount: (classSize: number) => number,
): { pool: Int32Array; test: Int32Array } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let row = 0; row < labels.length; row++) byClass[labels[row] ?? 0]?.push(row);
  const pool: number[] = [];
  const test: number[] = [];
  for (const rows of byClass) {
    const k = Math.min(rows.length, testCount(rows.length));
    pool.push(...rows.slice(0, rows.length - k));
    test.push(...rows.slice(rows.length - k));
  }
  return { pool: Int32Array.from(pool).sort(), test: Int32Array.from(test).sort() };
}

/** Images per class among `rows`. */
export function countClasses(labels: Int32Array, rows: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < rows.length; i++) {
    const label = labels[rows[i] ?? 0] ?? 0;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/**
 * What makes a data set unusable for training, in words: an empty train split (nothing to learn
 * from) or an empty test split (the trained model could not be evaluated). Empty when usable.
 */
export function splitProblems(info: DatasetInfo): string[] {
  const problems: string[] = [];
  if (info.splitSizes.train === 0) problems.push('the train split is empty: there is nothing to train on');
  if (info.splitSizes.test === 0) {
    problems.push(
      'the test split is empty: a trained model could not be evaluated' +
        (info.name === 'image-folder'
          ? ' (without a test/ folder each class holds out round(0.2 * n) of its n images, so a class needs at least 3; or add a test/ folder)'
          : ''),
    );
  }
  return problems;
}

/** Throws a DataFormatError (exit 1) naming the data set and its split policy when `splitProblems` finds any. */
export function checkSplitsForTraining(info: DatasetInfo): void {
  const problems = splitProblems(info);
  if (problems.length === 0) return;
  throw new DataFormatError(
    info.source ?? info.name,
    `data set '${info.name}' cannot be trained on: ${problems.join('; ')}. Split policy: ${info.splitPolicy}`,
    { splitSizes: { ...info.splitSizes } },
  );
}
