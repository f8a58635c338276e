import { describe, expect, it } from 'vitest';
import { type ExifOrientation, orientImage, readExifOrientation } from './exif-orientation.js';
import type { RawImage } from './raw-image.js';
import { exifTiff } from './testing/exif-segment.js';

// 3x2, values 1..6 row by row:  1 2 3 / 4 5 6
const image: RawImage = { width: 3, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };

describe('orientImage (as PIL ImageOps.exif_transpose)', () => {
  it('turns each of the 8 orientations upright', () => {
    const expected: Record<ExifOrientation, number[][]> = {
      1: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      2: [
        [3, 2, 1],
        [6, 5, 4],
      ], // mirrored
      3: [
        [6, 5, 4],
        [3, 2, 1],
      ], // 180°
      4: [
        [4, 5, 6],
        [1, 2, 3],
      ], // flipped
      5: [
        [1, 4],
        [2, 5],
        [3, 6],
      ], // transposed
      6: [
        [4, 1],
        [5, 2],
        [6, 3],
      ], // 90° clockwise
      7: [
        [6, 3],
        [5, 2],
        [4, 1],
      ], // transversed
      8: [
        [3, 6],
        [2, 5],
        [1, 4],
      ], // 90° counter-clockwise
    };
    for (const [o, rows] of Object.entries(expected)) {
      const out = orientImage(image, Number(o) as ExifOrientation);
      expect([out.width, out.height], `orientation ${o}`).toEqual([rows[0]?.length, rows.length]);
      expect(Array.from(out.data), `orientation ${o}`).toEqual(rows.flat());
    }
  });

  it('keeps RGB pixels together, and 6 undoes 8', () => {
    const rgb: RawImage = { width: 2, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(orientImage(rgb, 6).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(orientImage(rgb, 6).height).toBe(2);
    expect(orientImage(orientImage(image, 8), 6)).toEqual(image);
  });
});

describe('readExifOrientation', () => {
  it('reads tag 0x0112 from IFD0 in little- and big-endian blocks, SHORT or LONG', () => {
    expect(readExifOrientation(exifTiff(6, 'II'))).toBe(6);
    expect(readExifOrientation(exifTiff(8, 'MM'))).toBe(8);
    expect(readExifOrientation(exifTiff(3, 'MM', 4))).toBe(3);
  });

  it('counts a missing, out-of-range or unreadable tag as 1', () => {
    expect(readExifOrientation(exifTiff(9))).toBe(1);
    expect(readExifOrientation(exifTiff(0))).toBe(1);
    expect(readExifOrientation(exifTiff(6).subarray(0, 20))).toBe(1);
    expect(readExifOrientation(new TextEncoder().encode('not a tiff block'))).toBe(1);
    const otherTag = exifTiff(6);
    otherTag[10] = 0x10; // tag 0x0110 (camera model)
    expect(readExifOrientation(otherTag)).toBe(1);
  });
});
