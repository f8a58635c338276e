/**
 * The image forms a classifier accepts, and their conversion to one 8-bit RawImage: encoded PNG or
 * JPEG bytes, ImageData-like pixels (RGBA, RGB or gray), or an already preprocessed tensor.
 */
import { ConfigError, decodeImage, type RawImage } from '@edgeml/core';

/** Pixels as in the DOM's ImageData (RGBA) or packed RGB / gray: data.length = width * height * channels. */
export interface PixelImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  /** 1, 3 or 4 (RGBA, alpha dropped); inferred from data.length when absent. */
  readonly channels?: number;
}

/** What classify() takes: encoded PNG/JPEG bytes, pixels, or a preprocessed Float32Array in the model's layout. */
export type ClassifierInput = Uint8Array | ArrayBuffer | PixelImage | Float32Array;

/** True when `input` is a preprocessed tensor rather than an image. */
export function isTensorInput(input: ClassifierInput): input is Float32Array {
  return input instanceof Float32Array;
}

/** Decodes or repacks an image input to an 8-bit gray or RGB RawImage (alpha dropped). */
export function toRawImage(input: Exclude<ClassifierInput, Float32Array>, source = '<image>'): RawImage {
  if (input instanceof ArrayBuffer) return decodeImage(new Uint8Array(input), source);
  if (input instanceof Uint8Array) return decodeImage(input, source);
  const { width, height, data } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ConfigError(`image width and height must be positive integers, got ${width}x${height}`);
  }
  const pixels = width * height;
  const channels = input.channels ?? data.length / pixels;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ConfigError(
      `image data must hold 1, 3 or 4 channels (width * height * channels bytes), got ${data.length} bytes for ${width}x${height}`,
    );
  }
  if (data.length !== pixels * channels) {
    throw new ConfigError(`image data must have ${pixels * channels} bytes, got ${data.length}`);
  }
  if (channels === 4) {
    const rgb = new Uint8Array(pixels * 3);
    for (let i = 0, j = 0; i < pixels; i++, j += 4) {
      rgb[i * 3] = data[j] ?? 0;
      rgb[i * 3 + 1] = data[j + 1] ?? 0;
      rgb[i * 3 + 2] = data[j + 2] ?? 0;
    }
    return { width, height, channels: 3, data: rgb };
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { width, height, channels, data: bytes };
}
