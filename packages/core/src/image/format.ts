/**
 * Image format sniffing from magic bytes and header probing (size and colour channels without
 * decoding the pixels), for PNG and baseline/progressive JPEG.
 */
import type { ImageChannels } from './raw-image.js';

/** Image formats edgeml can decode. */
export type ImageFormat = 'png' | 'jpeg';

/** What the header of an image says, read without decoding its pixels. */
export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** Channels decodeImage will return for it (1 for grayscale sources, else 3). */
  readonly channels: ImageChannels;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format named by the first bytes (PNG signature or JPEG SOI marker), or undefined. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Reads format, size and channels from the header, or undefined if it cannot be read. */
export function probeImage(bytes: Uint8Array): ImageHeader | undefined {
  const format = sniffImageFormat(bytes);
  if (format === 'png') return probePng(bytes);
  if (format === 'jpeg') return probeJpeg(bytes);
  return undefined;
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] ?? 0) * 0x1000000 +
    (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0))
  );
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function probePng(bytes: Uint8Array): ImageHeader | undefined {
  // Signature (8), IHDR length (4), 'IHDR' (4), width (4), height (4), depth (1), colour type (1).
  if (bytes.length < 26 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const colourType = bytes[25] ?? 0;
  // 0 = gray, 4 = gray + alpha; 2 = RGB, 3 = palette, 6 = RGBA.
  const channels: ImageChannels = colourType === 0 || colourType === 4 ? 1 : 3;
  return { format: 'png', width, height, channels };
}

function probeJpeg(bytes: Uint8Array): ImageHeader | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = u16(bytes, at + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 10 > bytes.length) return undefined;
      const height = u16(bytes, at + 5);
      const width = u16(bytes, at + 7);
      const components = bytes[at + 9] ?? 0;
      return { format: 'jpeg', width, height, channels: components === 1 ? 1 : 3 };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame
    at += 2 + length;
  }
  return undefined;
}
