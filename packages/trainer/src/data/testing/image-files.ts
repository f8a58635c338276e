/**
 * Image files as users have them, generated for tests: PNGs of every colour type (gray 0, RGB 2,
 * palette 3, gray+alpha 4, RGBA 6) written by a minimal PNG writer (node:zlib), JPEGs from jpeg-js
 * with an optional EXIF orientation (an APP1 'Exif' segment, as phones write it), and folder trees
 * with symbolic links. Test code only.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { RawImage } from '@edgeml/core';
import jpeg from 'jpeg-js';

/** PNG colour types: 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
export type PngColourType = 0 | 2 | 3 | 4 | 6;

const SAMPLES_PER_PIXEL: Record<PngColourType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * An 8-bit PNG of `colourType`; `samples` holds width * height pixels of 1, 3, 1 (palette index),
 * 2 or 4 samples each; `palette` ([r, g, b] entries) is required for type 3.
 */
export function pngOfType(
  width: number,
  height: number,
  colourType: PngColourType,
  samples: Uint8Array,
  palette?: readonly (readonly [number, number, number])[],
): Uint8Array {
  const perRow = width * SAMPLES_PER_PIXEL[colourType];
  if (samples.length !== perRow * height)
    throw new Error(`expected ${perRow * height} samples, got ${samples.length}`);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, colourType, 0, 0, 0], 8);
  const raw = new Uint8Array((perRow + 1) * height);
  for (let y = 0; y < height; y++)
    raw.set(samples.subarray(y * perRow, (y + 1) * perRow), y * (perRow + 1) + 1);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(colourType === 3 ? [chunk('PLTE', Uint8Array.from((palette ?? []).flat()))] : []),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

/** A flat image of one value per channel. */
export function solid(
  width: number,
  height: number,
  channels: 1 | 3,
  value: number | readonly number[],
): RawImage {
  const pixel = typeof value === 'number' ? new Array<number>(channels).fill(value) : value;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) data.set(pixel, i * channels);
  return { width, height, channels, data };
}

/** A colour JPEG (jpeg-js, quality 95) of a gray or RGB image. */
export function jpegOf(image: RawImage): Uint8Array {
  const { width, height, channels } = image;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const at = i * channels;
    const px =
      channels === 1 ? [image.data[at], image.data[at], image.data[at]] : image.data.subarray(at, at + 3);
    rgba.set([...Array.from(px, (v) => v ?? 0), 255], i * 4);
  }
  return new Uint8Array(jpeg.encode({ width, height, data: rgba }, 95).data);
}

/** JPEG bytes with an APP1 Exif segment (little-endian TIFF, IFD0 = orientation only) after SOI. */
export function withExifOrientation(jpegBytes: Uint8Array, orientation: number): Uint8Array {
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49]); // 'II'
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  view.setUint16(8, 1, true);
  view.setUint16(10, 0x0112, true); // Orientation
  view.setUint16(12, 3, true); // SHORT
  view.setUint32(14, 1, true);
  view.setUint16(18, orientation, true);
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]; // 'Exif\0\0'
  const length = payload.length + 2;
  return Uint8Array.from([
    ...jpegBytes.subarray(0, 2),
    0xff,
    0xe1,
    length >> 8,
    length & 0xff,
    ...payload,
    ...jpegBytes.subarray(2),
  ]);
}

/** A file to write: its bytes, `{ link }` (a symbolic link to that path) or `{ folder: true }`. */
export type TreeItem = Uint8Array | string | { readonly link: string } | { readonly folder: true };

/** Writes `items` (paths relative to `dir`) and returns `dir`. Strings are written as UTF-8 text. */
export function writeTree(dir: string, items: Readonly<Record<string, TreeItem>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [path, item] of Object.entries(items)) {
    const full = join(dir, path);
    if (typeof item === 'object' && 'folder' in item) {
      mkdirSync(full, { recursive: true });
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    if (typeof item === 'object' && 'link' in item) symlinkSync(item.link, full);
    else writeFileSync(full, item);
  }
  return dir;
}
