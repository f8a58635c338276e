/**
 * Loads image files as uint8 HWC pixels of one fixed shape: read, decodeImage (PNG/JPEG, EXIF
 * orientation applied), convert channels, then core's fitImage (exact integer bilinear resize,
 * stretched or centre-cropped), in the order runtime-edge's preprocessInput uses, so a served
 * image gets the same bytes as in training. Optionally keeps the resulting bytes in memory so later
 * epochs skip the decode; never holds float32.
 */
import { readFile } from 'node:fs/promises';
import { convertChannels, decodeImage, fitImage, type ImageChannels, type ResizeFit } from '@edgeml/core';
import type { InputShape } from './dataset.js';
import type { ImageEntry } from './image-folder-scan.js';

/** Files read and decoded at once by readMany. */
export const DECODE_CONCURRENCY = 8;

/** Decodes image entries to a fixed HWC shape, with an optional uint8 cache. */
export class ImageLoader {
  private readonly cache: Map<number, Uint8Array> | undefined;
  readonly imageBytes: number;

  constructor(
    readonly entries: readonly ImageEntry[],
    readonly shape: InputShape,
    /** How images of another aspect ratio are fitted to the shape. */
    readonly fit: ResizeFit,
    cache: boolean,
  ) {
    this.cache = cache ? new Map() : undefined;
    this.imageBytes = shape[0] * shape[1] * shape[2];
  }

  /** Pixels of entry `index` (decoded, upright, converted, fitted). */
  async read(index: number): Promise<Uint8Array> {
    const hit = this.cache?.get(index);
    if (hit) return hit;
    const entry = this.entries[index];
    if (entry === undefined) throw new RangeError(`image index ${index} out of range`);
    const [height, width, channels] = this.shape;
    const decoded = decodeImage(await readFile(entry.file), entry.file);
    const image = fitImage(convertChannels(decoded, channels as ImageChannels), width, height, this.fit);
    this.cache?.set(index, image.data);
    return image.data;
  }

  /** Pixels of several entries, concatenated in the given order. */
  async readMany(indices: ArrayLike<number>): Promise<Uint8Array> {
    const out = new Uint8Array(indices.length * this.imageBytes);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indices.length) {
        const i = next++;
        out.set(await this.read(indices[i] ?? -1), i * this.imageBytes);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, indices.length) }, worker));
    return out;
  }
}
