/**
 * Loads image files as uint8 HWC pixels of one fixed shape: read, decodeImage (PNG/JPEG), convert
 * channels, bilinear resize (core's exact integer resizeImage). Optionally keeps the resulting
 * bytes in memory so later epochs skip the decode; never holds float32.
 */
import { readFile } from 'node:fs/promises';
import { convertChannels, DataFormatError, decodeImage, type ImageChannels, resizeImage } from '@edgeml/core';
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
    /** When set, images of another size are errors (naming this reference file), not resized. */
    private readonly fixedSizeReference: string | undefined,
    cache: boolean,
  ) {
    this.cache = cache ? new Map() : undefined;
    this.imageBytes = shape[0] * shape[1] * shape[2];
  }

  /** Pixels of entry `index` (decoded, converted, resized). */
  async read(index: number): Promise<Uint8Array> {
    const hit = this.cache?.get(index);
    if (hit) return hit;
    const entry = this.entries[index];
    if (entry === undefined) throw new RangeError(`image index ${index} out of range`);
    const [height, width, channels] = this.shape;
    let image = decodeImage(await readFile(entry.file), entry.file);
    if (this.fixedSizeReference !== undefined && (image.width !== width || image.height !== height)) {
      throw new DataFormatError(
        entry.file,
        `is ${image.width}x${image.height} but ${this.fixedSizeReference} is ${width}x${height} (fixed size: all images must match)`,
        { width: image.width, height: image.height, expectedWidth: width, expectedHeight: height },
      );
    }
    image = convertChannels(image, channels as ImageChannels);
    if (image.width !== width || image.height !== height) image = resizeImage(image, width, height);
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
