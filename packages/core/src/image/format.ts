/**
 * Image format sniffing from magic bytes and header probing (size, colour channels and EXIF
 * orientation without decoding the pixels), for PNG and baseline/progressive JPEG. The size is the
 * upright size decodeImage returns: an orientation of 5 to 8 swaps the stored width and height.
 */
import { type ExifOrientation, readExifOrientation, swapsAxes } from './exif-orientation.js';
import type { ImageChannels } from './raw-image.js';

/** Image formats edgeml can decode. */
export type ImageFormat = 'png' | 'jpeg';

/** What the header of an image says, read without decoding its pixels. */
export interface ImageHeader {
  readonly format: ImageFormat;
  /** Width of the upright image (after `orientation`), as decodeImage returns it. */
  readonly width: number;
  /** Height of the upright image (after `orientation`), as decodeImage returns it. */
  readonly height: number;
  /** Channels decodeImage will return for it (1 for grayscale sources, else 3: RGB, RGBA, palette). */
  readonly channels: ImageChannels;
  /** EXIF orientation (JPEG APP1 Exif, PNG eXIf before the image data); 1 when there is none. */
  readonly orientation: ExifOrientation;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format named by the first bytes (PNG signature or JPEG SOI marker), or undefined. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** The first 8 bytes in hex ('none, empty input' for no bytes), for errors about unknown formats. */
export function firstBytesHex(bytes: Uint8Array): string {
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return hex === '' ? 'none, empty input' : hex;
}

/** Reads format, upright size, channels and orientation from the header, or undefined if it cannot be read. */
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

function upright(
  format: ImageFormat,
  stored: { width: number; height: number },
  channels: ImageChannels,
  orientation: ExifOrientation,
): ImageHeader {
  const swap = swapsAxes(orientation);
  const width = swap ? stored.height : stored.width;
  const height = swap ? stored.width : stored.height;
  return { format, width, height, channels, orientation };
}

function probePng(bytes: Uint8Array): ImageHeader | undefined {
  // Signature (8), IHDR length (4), 'IHDR' (4), width (4), height (4), depth (1), colour type (1).
  if (bytes.length < 26 || chunkType(bytes, 12) !== 'IHDR') return undefined;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const colourType = bytes[25] ?? 0;
  // 0 = gray, 4 = gray + alpha; 2 = RGB, 3 = palette, 6 = RGBA.
  const channels: ImageChannels = colourType === 0 || colourType === 4 ? 1 : 3;
  return upright('png', { width, height }, channels, pngOrientation(bytes));
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

/** The eXIf chunk's orientation, looked for between IHDR and the first IDAT. */
function pngOrientation(bytes: Uint8Array): ExifOrientation {
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    if (type === 'IDAT' || type === 'IEND') return 1;
    if (type === 'eXIf') return readExifOrientation(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return 1;
}

function probeJpeg(bytes: Uint8Array): ImageHeader | undefined {
  let at = 2;
  let orientation: ExifOrientation | undefined;
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
    // The first APP1 segment starting 'Exif\0\0' holds the EXIF block (a TIFF structure).
    if (marker === 0xe1 && orientation === undefined && isExifApp1(bytes, at + 4)) {
      orientation = readExifOrientation(bytes.subarray(at + 10, Math.min(at + 2 + length, bytes.length)));
    }
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 10 > bytes.length) return undefined;
      const height = u16(bytes, at + 5);
      const width = u16(bytes, at + 7);
      const components = bytes[at + 9] ?? 0;
      return upright('jpeg', { width, height }, components === 1 ? 1 : 3, orientation ?? 1);
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame
    at += 2 + length;
  }
  return undefined;
}

const EXIF_ID = [0x45, 0x78, 0x69, 0x66, 0, 0]; // 'Exif\0\0'

function isExifApp1(bytes: Uint8Array, at: number): boolean {
  return EXIF_ID.every((b, i) => bytes[at + i] === b);
}
