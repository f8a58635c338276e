/** encodePng: an 8-bit RawImage to PNG bytes (fast-png, lossless, web-standard). */
import { encode } from 'fast-png';
import { ConfigError } from '../errors.js';
import type { RawImage } from './raw-image.js';

/** Encodes an 8-bit grayscale or RGB image as PNG bytes. */
export function encodePng(image: RawImage): Uint8Array {
  const expected = image.width * image.height * image.channels;
  if (image.data.length !== expected) {
    throw new ConfigError(
      `image data must have width * height * channels = ${expected} bytes, got ${image.data.length}`,
    );
  }
  return encode({
    width: image.width,
    height: image.height,
    channels: image.channels,
    depth: 8,
    data: image.data,
  });
}
