import { encode as encodePngRaw } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../errors.js';
import { decodeImage } from './decode.js';
import { encodePng } from './encode.js';
import { orientImage } from './exif-orientation.js';
import { probeImage, sniffImageFormat } from './format.js';
import type { RawImage } from './raw-image.js';
import { withJpegOrientation, withPngOrientation } from './testing/exif-segment.js';

const gray = { width: 3, height: 2, channels: 1 as const, data: Uint8Array.from([0, 1, 2, 128, 254, 255]) };
const rgb = {
  width: 2,
  height: 2,
  channels: 3 as const,
  data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]),
};

function jpegOf(width: number, height: number, value: readonly [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...value, 255], i * 4);
  return new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
}

/** 32x16 RGB, four 8-aligned blocks of flat colour (JPEG keeps them within a few levels). */
function quadrants(): RawImage {
  const colours = [
    [250, 10, 10],
    [10, 250, 10],
    [10, 10, 250],
    [250, 250, 10],
  ];
  const data = new Uint8Array(32 * 16 * 3);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 32; x++) data.set(colours[(y >> 3) * 2 + (x >> 4)] ?? [], (y * 32 + x) * 3);
  }
  return { width: 32, height: 16, channels: 3, data };
}

function jpegOfImage(image: RawImage): Uint8Array {
  const data = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    data.set([...image.data.subarray(i * 3, i * 3 + 3), 255], i * 4);
  }
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data }, 95).data);
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** The orientation whose transform undoes `o` (what a camera applies to store an upright scene as `o`). */
const INVERSE: Record<number, 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  6: 8,
  7: 7,
  8: 6,
};

function expectDecodeError(bytes: Uint8Array, source: string): ImageDecodeError {
  try {
    decodeImage(bytes, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as Error).message).toContain(source);
    return error as ImageDecodeError;
  }
  throw new Error('expected decodeImage to throw');
}

describe('decodeImage', () => {
  it('round-trips grayscale and RGB PNGs exactly', () => {
    for (const image of [gray, rgb]) {
      const bytes = encodePng(image);
      expect(sniffImageFormat(bytes)).toBe('png');
      expect(probeImage(bytes)).toEqual({
        format: 'png',
        width: image.width,
        height: image.height,
        channels: image.channels,
        orientation: 1,
      });
      expect(decodeImage(bytes, 'x.png')).toEqual({ ...image, data: image.data });
    }
  });

  it('drops alpha, keeps gray+alpha as gray, and rounds 16-bit samples to 8 bits', () => {
    const rgba = encodePngRaw({
      width: 1,
      height: 2,
      channels: 4,
      depth: 8,
      data: Uint8Array.from([1, 2, 3, 0, 4, 5, 6, 255]),
    });
    expect(decodeImage(rgba)).toEqual({
      width: 1,
      height: 2,
      channels: 3,
      data: Uint8Array.from([1, 2, 3, 4, 5, 6]),
    });
    const ga = encodePngRaw({
      width: 2,
      height: 1,
      channels: 2,
      depth: 8,
      data: Uint8Array.from([7, 0, 9, 128]),
    });
    expect(decodeImage(ga)).toEqual({ width: 2, height: 1, channels: 1, data: Uint8Array.from([7, 9]) });
    const deep = encodePngRaw({
      width: 3,
      height: 1,
      channels: 1,
      depth: 16,
      data: Uint16Array.from([0, 32896, 65535]),
    });
    expect(decodeImage(deep).data).toEqual(Uint8Array.from([0, 128, 255]));
  });

  it('decodes colour and grayscale JPEGs (lossy, within a few levels)', () => {
    const colour = decodeImage(jpegOf(16, 8, [200, 100, 50]), 'c.jpg');
    expect([colour.width, colour.height, colour.channels]).toEqual([16, 8, 3]);
    for (let i = 0; i < colour.data.length; i += 3) {
      expect(Math.abs((colour.data[i] ?? 0) - 200)).toBeLessThanOrEqual(3);
      expect(Math.abs((colour.data[i + 1] ?? 0) - 100)).toBeLessThanOrEqual(3);
      expect(Math.abs((colour.data[i + 2] ?? 0) - 50)).toBeLessThanOrEqual(3);
    }
    expect(probeImage(jpegOf(16, 8, [1, 2, 3]))).toEqual({
      format: 'jpeg',
      width: 16,
      height: 8,
      channels: 3,
      orientation: 1,
    });
  });

  it('expands palette PNGs to RGB and keeps gray+alpha gray (colour types 3 and 4)', () => {
    const palette = encodePngRaw({
      width: 3,
      height: 1,
      channels: 1,
      depth: 8,
      palette: [
        [255, 0, 0],
        [0, 0, 255],
        [9, 9, 9],
      ],
      data: Uint8Array.from([2, 0, 1]),
    });
    expect(probeImage(palette)).toMatchObject({ channels: 3 });
    expect(Array.from(decodeImage(palette).data)).toEqual([9, 9, 9, 255, 0, 0, 0, 0, 255]);
  });

  it('applies the EXIF orientation of JPEGs (APP1) and PNGs (eXIf): the image comes out upright', () => {
    const upright = quadrants();
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8] as const) {
      const stored = orientImage(upright, INVERSE[orientation] ?? 1);
      const bytes = withJpegOrientation(jpegOfImage(stored), orientation, orientation % 2 ? 'II' : 'MM');
      expect(probeImage(bytes), `orientation ${orientation}`).toEqual({
        format: 'jpeg',
        width: 32,
        height: 16,
        channels: 3,
        orientation,
      });
      const decoded = decodeImage(bytes, 'phone.jpg');
      expect([decoded.width, decoded.height], `orientation ${orientation}`).toEqual([32, 16]);
      expect(maxDifference(decoded.data, upright.data), `orientation ${orientation}`).toBeLessThanOrEqual(8);
    }
    const png = withPngOrientation(encodePng(orientImage(upright, 8)), 6);
    expect(probeImage(png)).toMatchObject({ width: 32, height: 16, orientation: 6 });
    expect(decodeImage(png)).toEqual(upright);
  });

  it('throws ImageDecodeError naming the source for unknown, empty, truncated and corrupt bytes', () => {
    expect(expectDecodeError(new Uint8Array(0), 'empty.png').message).toContain('unknown format');
    expect(expectDecodeError(new TextEncoder().encode('GIF89a....'), 'anim.gif').message).toContain(
      'not PNG or JPEG',
    );
    const png = encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).map((_, i) => i) });
    expectDecodeError(png.subarray(0, png.length - 20), 'truncated.png');
    expectDecodeError(png.subarray(0, 20), 'header-only.png');
    const corrupt = png.slice();
    corrupt[45] = (corrupt[45] ?? 0) ^ 0xff; // inside IDAT: CRC mismatch
    expectDecodeError(corrupt, 'corrupt.png');
    const jpg = jpegOf(32, 32, [90, 90, 90]);
    expectDecodeError(jpg.subarray(0, Math.floor(jpg.length / 2)), 'truncated.jpg');
    expectDecodeError(jpg.subarray(0, 4), 'stub.jpg');
  });
});
