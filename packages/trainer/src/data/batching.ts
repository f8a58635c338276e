/**
 * Streams normalised NHWC float32 batches from any split that can read uint8 pixels by index:
 * the order (identity, or a seeded permutation), `limit` and `dropRemainder` are applied here, so
 * every data source batches the same way.
 */
import { ConfigError, seededPermutation } from '@edgeml/core';
import type { Batch, BatchOptions, InputShape, Normalization } from './dataset.js';
import { normalizationTable, normalizeInto } from './normalization.js';

/** What streamBatches needs from a split. */
export interface PixelSource {
  readonly size: number;
  readonly labels: Int32Array;
  readPixels(indices: ArrayLike<number>): Promise<Uint8Array>;
}

/** Checks batch options; throws ConfigError naming the bad option. */
export function validateBatchOptions(options: BatchOptions): void {
  const { batchSize, limit, seed } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError(`'batchSize' must be a positive integer, got ${batchSize}`);
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ConfigError(`'limit' must be a non-negative integer, got ${limit}`);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new ConfigError(`'seed' must be an integer, got ${seed}`);
  }
}

/** The split indices one epoch visits, in order (seeded shuffle, then limit). */
export function epochOrder(size: number, options: BatchOptions): Int32Array {
  let order: Int32Array;
  if (options.shuffle) {
    order = seededPermutation(size, options.seed ?? 0);
  } else {
    order = new Int32Array(size);
    for (let i = 0; i < size; i++) order[i] = i;
  }
  const limit = options.limit;
  return limit !== undefined && limit < size ? order.slice(0, limit) : order;
}

/** Normalised batches of `source` as (pixel / 255 - mean) / std per channel. */
export async function* streamBatches(
  source: PixelSource,
  shape: InputShape,
  normalization: Normalization,
  options: BatchOptions,
): AsyncGenerator<Batch> {
  validateBatchOptions(options);
  const [height, width, channels] = shape;
  const imageSize = height * width * channels;
  const lut = normalizationTable(normalization, channels);
  const order = epochOrder(source.size, options);
  for (let start = 0; start < order.length; start += options.batchSize) {
    const end = Math.min(start + options.batchSize, order.length);
    const size = end - start;
    if (size < options.batchSize && options.dropRemainder) break;
    const indices = order.slice(start, end);
    const pixels = await source.readPixels(indices);
    if (pixels.length !== size * imageSize) {
      throw new Error(`readPixels returned ${pixels.length} bytes for ${size} images of ${imageSize}`);
    }
    const x = new Float32Array(size * imageSize);
    normalizeInto(pixels, lut, channels, x);
    const y = new Int32Array(size);
    for (let i = 0; i < size; i++) y[i] = source.labels[indices[i] ?? 0] ?? 0;
    yield { x, y, size, shape: [size, height, width, channels], indices };
  }
}
