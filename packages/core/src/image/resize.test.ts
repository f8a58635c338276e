import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { convertChannels, toGrayscale, toRgb } from './channels.js';
import type { RawImage } from './raw-image.js';
import { resizeImage } from './resize.js';

const img = (width: number, height: number, channels: 1 | 3, data: number[]): RawImage => ({
  width,
  height,
  channels,
  data: Uint8Array.from(data),
});

describe('resizeImage (exact integer bilinear, half-pixel centres)', () => {
  it('upscales 2x2 to 4x4 with weights 0, 1/4, 3/4 and replicated edges', () => {
    const out = resizeImage(img(2, 2, 1, [0, 100, 200, 255]), 4, 4);
    // Rows: y weights 0, 0.25, 0.75, 1 between the two source rows; columns likewise.
    // e.g. (1, 1): top 0 * 0.75 + 100 * 0.25 = 25, bottom 200 * 0.75 + 255 * 0.25 = 213.75,
    // 25 * 0.75 + 213.75 * 0.25 = 72.19 -> 72.
    expect(Array.from(out.data)).toEqual([
      0, 25, 75, 100, 50, 72, 117, 139, 150, 167, 200, 216, 200, 214, 241, 255,
    ]);
  });

  it('downscales by averaging neighbours with round-half-up', () => {
    expect(Array.from(resizeImage(img(4, 1, 1, [10, 21, 100, 201]), 2, 1).data)).toEqual([16, 151]);
    expect(Array.from(resizeImage(img(3, 1, 1, [0, 100, 255]), 2, 1).data)).toEqual([25, 216]);
  });

  it('resizes each RGB channel independently and copies at the same size', () => {
    const rgb = img(2, 1, 3, [0, 10, 255, 100, 20, 255]);
    expect(Array.from(resizeImage(rgb, 4, 1).data)).toEqual([
      0, 10, 255, 25, 13, 255, 75, 18, 255, 100, 20, 255,
    ]);
    const copy = resizeImage(rgb, 2, 1);
    expect(copy.data).toEqual(rgb.data);
    expect(copy.data).not.toBe(rgb.data);
  });

  it('rejects non-positive or fractional sizes with ConfigError', () => {
    expect(() => resizeImage(img(1, 1, 1, [0]), 0, 1)).toThrow(ConfigError);
    expect(() => resizeImage(img(1, 1, 1, [0]), 2.5, 1)).toThrow(/'width' must be a positive integer/);
  });
});

describe('channel conversion', () => {
  it('uses integer BT.601 luma (as Pillow convert("L"))', () => {
    const rgb = img(5, 1, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30]);
    expect(Array.from(toGrayscale(rgb).data)).toEqual([76, 150, 29, 255, 18]);
    expect(Array.from(toRgb(img(2, 1, 1, [7, 200])).data)).toEqual([7, 7, 7, 200, 200, 200]);
    const gray = img(1, 1, 1, [3]);
    expect(convertChannels(gray, 1)).toBe(gray);
  });
});
