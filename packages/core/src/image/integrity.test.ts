import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../errors.js';
import { encodePng } from './encode.js';
import { checkImageIntegrity } from './integrity.js';
import { withJpegOrientation } from './testing/exif-segment.js';

const png = encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).map((_, i) => i) });
const jpg = new Uint8Array(
  jpeg.encode({ width: 24, height: 16, data: new Uint8Array(24 * 16 * 4).map((_, i) => i * 7) }, 90).data,
);

function damage(bytes: Uint8Array): string {
  try {
    checkImageIntegrity(bytes, 'x/img');
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as Error).message).toContain('x/img');
    return (error as Error).message;
  }
  throw new Error('expected checkImageIntegrity to throw');
}

describe('checkImageIntegrity', () => {
  it('returns the header of whole PNGs and JPEGs, bytes after the JPEG end marker allowed', () => {
    expect(checkImageIntegrity(png)).toEqual({
      format: 'png',
      width: 8,
      height: 8,
      channels: 3,
      orientation: 1,
    });
    expect(checkImageIntegrity(jpg)).toMatchObject({ format: 'jpeg', width: 24, height: 16 });
    const appended = new Uint8Array([...jpg, ...new TextEncoder().encode('motion photo trailer')]);
    expect(checkImageIntegrity(appended).width).toBe(24);
    expect(checkImageIntegrity(withJpegOrientation(jpg, 6))).toMatchObject({
      width: 16,
      height: 24,
      orientation: 6,
    });
  });

  it('finds a PNG truncated anywhere after its header, a flipped bit, and a missing IEND', () => {
    for (let cut = 33; cut < png.length; cut += 7) {
      expect(damage(png.subarray(0, cut))).toMatch(/truncated PNG/);
    }
    const flipped = png.slice();
    flipped[50] = (flipped[50] ?? 0) ^ 0x10;
    expect(damage(flipped)).toMatch(/CRC mismatch in chunk 'IDAT'/);
    expect(damage(png.subarray(0, png.length - 12))).toMatch(/no IEND chunk/);
  });

  it('finds a JPEG truncated anywhere after its header, and a broken segment length', () => {
    for (let cut = 200; cut < jpg.length; cut += 53)
      expect(damage(jpg.subarray(0, cut))).toMatch(/truncated JPEG/);
    expect(damage(jpg.subarray(0, jpg.length - 2))).toMatch(/no end-of-image marker/);
    const broken = jpg.slice();
    broken[4] = 0;
    broken[5] = 1; // APP0 length 1
    expect(damage(broken)).toMatch(/corrupt JPEG/);
  });

  it('names unknown formats by their first bytes, and unreadable headers', () => {
    expect(damage(new TextEncoder().encode('Bud1 .DS_Store'))).toMatch(/unknown format .*42 75 64 31/);
    expect(damage(new Uint8Array(0))).toMatch(/none, empty input/);
    expect(damage(png.subarray(0, 20))).toMatch(/corrupt PNG header/);
  });
});
