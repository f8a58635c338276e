/**
 * Grayscale <-> RGB conversion with exact integer arithmetic, so every runtime gives the same
 * bytes. Gray from RGB uses ITU-R BT.601 luma in 16-bit fixed point, as Pillow's convert('L'):
 * L = (19595 R + 38470 G + 7471 B + 32768) >> 16. RGB from gray copies the value to all three.
 */
import type { ImageChannels, RawImage } from './raw-image.js';

/** The image as 1-channel grayscale (BT.601 luma, integer; a gray image is returned as is). */
export function toGrayscale(image: RawImage): RawImage {
  if (image.channels === 1) return image;
  const n = image.width * image.height;
  const src = image.data;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = ((src[j] ?? 0) * 19595 + (src[j + 1] ?? 0) * 38470 + (src[j + 2] ?? 0) * 7471 + 32768) >>> 16;
  }
  return { width: image.width, height: image.height, channels: 1, data: out };
}

/** The image as 3-channel RGB (gray copied to R, G and B; an RGB image is returned as is). */
export function toRgb(image: RawImage): RawImage {
  if (image.channels === 3) return image;
  const n = image.width * image.height;
  const src = image.data;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const v = src[i] ?? 0;
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

/** The image with the given number of channels (toGrayscale or toRgb). */
export function convertChannels(image: RawImage, channels: ImageChannels): RawImage {
  return channels === 1 ? toGrayscale(image) : toRgb(image);
}
