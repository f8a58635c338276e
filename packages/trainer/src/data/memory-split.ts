/**
 * A DataSplit over uint8 HWC images held in memory: a shared pixel store (one row of
 * height * width * channels bytes per image) and the rows that belong to this split, so the
 * splits of one data set share their pixels without copies.
 */

import { streamBatches } from './batching.js';
import type { Batch, BatchOptions, DataSplit, InputShape, Normalization, SplitName } from './dataset.js';

/** uint8 HWC images, one after another, with a label per image. */
export interface PixelStore {
  readonly shape: InputShape;
  /** count * height * width * channels bytes. */
  readonly pixels: Uint8Array;
  /** One label per image. */
  readonly labels: Int32Array;
}

/** A split whose images are rows of an in-memory PixelStore. */
export class InMemorySplit implements DataSplit {
  readonly size: number;
  readonly labels: Int32Array;
  private readonly imageBytes: number;

  constructor(
    readonly name: SplitName,
    private readonly store: PixelStore,
    /** Row in the store of each image of this split, in split order. */
    private readonly rows: Int32Array,
    private readonly normalization: Normalization,
  ) {
    this.size = rows.length;
    const [h, w, c] = store.shape;
    this.imageBytes = h * w * c;
    this.labels = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) this.labels[i] = store.labels[rows[i] ?? 0] ?? 0;
  }

  /** Raw uint8 HWC pixels of the images at these split indices, concatenated. */
  async readPixels(indices: ArrayLike<number>): Promise<Uint8Array> {
    return this.readPixelsSync(indices);
  }

  /** readPixels without the promise, for in-process consumers. */
  readPixelsSync(indices: ArrayLike<number>): Uint8Array {
    const n = this.imageBytes;
    const out = new Uint8Array(indices.length * n);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i] ?? -1;
      if (!Number.isInteger(index) || index < 0 || index >= this.size) {
        throw new RangeError(`${this.name} split has ${this.size} images; index ${index} is out of range`);
      }
      const row = this.rows[index] ?? 0;
      out.set(this.store.pixels.subarray(row * n, row * n + n), i * n);
    }
    return out;
  }

  /** Normalised NHWC float32 batches, streamed. */
  batches(options: BatchOptions): AsyncIterable<Batch> {
    return streamBatches(this, this.store.shape, this.normalization, options);
  }
}
