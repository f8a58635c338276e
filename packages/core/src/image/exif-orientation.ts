/**
 * EXIF orientation (TIFF tag 0x0112): phones store photos as the sensor saw them and record how to
 * turn them upright. decodeImage applies it, as browsers (CSS `image-orientation: from-image`, the
 * default) and Pillow's `ImageOps.exif_transpose` do, so a photo is classified the way it is shown,
 * and the same way in training and when served. Values (output = the upright image):
 * 1 as stored · 2 mirrored left-right · 3 rotated 180° · 4 mirrored top-bottom ·
 * 5 transposed (mirror across the top-left/bottom-right diagonal) · 6 rotated 90° clockwise ·
 * 7 transversed (mirror across the other diagonal) · 8 rotated 90° counter-clockwise.
 * 5 to 8 swap width and height. A missing, unreadable or out-of-range tag counts as 1.
 */
import type { RawImage } from './raw-image.js';

/** An EXIF orientation value, 1 (upright as stored) to 8. */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;

/**
 * The orientation in a TIFF-structured EXIF block (what follows `Exif\0\0` in a JPEG APP1 segment,
 * or a PNG eXIf chunk): tag 0x0112 of IFD0, read in the block's byte order; 1 when absent or invalid.
 */
export function readExifOrientation(tiff: Uint8Array): ExifOrientation {
  if (tiff.length < 8) return 1;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49; // 'II'
  const big = tiff[0] === 0x4d && tiff[1] === 0x4d; // 'MM'
  if (!little && !big) return 1;
  const u16 = (at: number) =>
    little ? (tiff[at] ?? 0) | ((tiff[at + 1] ?? 0) << 8) : ((tiff[at] ?? 0) << 8) | (tiff[at + 1] ?? 0);
  const u32 = (at: number) => u16(little ? at + 2 : at) * 0x10000 + u16(little ? at : at + 2);
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    // Count 1 of type SHORT (3; the standard) or LONG (4): the value sits in the value field.
    const type = u16(entry + 2);
    if ((type !== 3 && type !== 4) || u32(entry + 4) !== 1) return 1;
    const value = type === 3 ? u16(entry + 8) : u32(entry + 8);
    return value >= 1 && value <= 8 ? (value as ExifOrientation) : 1;
  }
  return 1;
}

/** Whether the orientation swaps width and height (5 to 8). */
export function swapsAxes(orientation: ExifOrientation): boolean {
  return orientation >= 5;
}

/** The image turned upright according to `orientation` (the same image for 1; else a new one). */
export function orientImage(image: RawImage, orientation: ExifOrientation): RawImage {
  if (orientation === 1) return image;
  const { width: w, height: h, channels, data } = image;
  const swap = swapsAxes(orientation);
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  // Source pixel (x, y) of output pixel (u, v), as x = ax + bx*u + cx*v, y = ay + by*u + cy*v.
  const [ax, bx, cx, ay, by, cy] = SOURCE_OF[orientation](w, h);
  const out = new Uint8Array(data.length);
  let o = 0;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      const at = ((ay + by * u + cy * v) * w + (ax + bx * u + cx * v)) * channels;
      for (let c = 0; c < channels; c++) out[o++] = data[at + c] ?? 0;
    }
  }
  return { width: outW, height: outH, channels, data: out };
}

type Affine = readonly [number, number, number, number, number, number];

const SOURCE_OF: Record<Exclude<ExifOrientation, 1>, (w: number, h: number) => Affine> = {
  2: (w) => [w - 1, -1, 0, 0, 0, 1], // x = w-1-u, y = v
  3: (w, h) => [w - 1, -1, 0, h - 1, 0, -1], // x = w-1-u, y = h-1-v
  4: (_w, h) => [0, 1, 0, h - 1, 0, -1], // x = u, y = h-1-v
  5: () => [0, 0, 1, 0, 1, 0], // x = v, y = u
  6: (_w, h) => [0, 0, 1, h - 1, -1, 0], // x = v, y = h-1-u
  7: (w, h) => [w - 1, 0, -1, h - 1, -1, 0], // x = w-1-v, y = h-1-u
  8: (w) => [w - 1, 0, -1, 0, 1, 0], // x = w-1-v, y = u
};
