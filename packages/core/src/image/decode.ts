/**
 * decodeImage: PNG (fast-png) and JPEG (jpeg-js) bytes to an 8-bit RawImage, the format sniffed
 * from magic bytes. Pure JavaScript decoders, so the pixels are the same in Node, browsers and
 * Workers. Normalised output: grayscale sources (PNG gray / gray+alpha, 1-component JPEG) give 1
 * channel, everything else 3 (RGB). Alpha is dropped, not composited (as Pillow's convert('RGB')),
 * palettes are expanded, 1/2/4-bit samples are scaled to 0..255 (v * 255 / (2^depth - 1)) and
 * 16-bit samples are rounded to 8 bits ((v * 255 + 32767) / 65535, floored). The EXIF orientation
 * (JPEG APP1 Exif, PNG eXIf) is applied, so the image comes out upright as browsers and Pillow's
 * `ImageOps.exif_transpose` show it (see exif-orientation.ts).
 */
import { decode as decodePngRaw } from 'fast-png';
import jpeg from 'jpeg-js';
import { ImageDecodeError } from '../errors.js';
import { orientImage } from './exif-orientation.js';
import { firstBytesHex, type ImageFormat, type ImageHeader, probeImage, sniffImageFormat } from './format.js';
import type { RawImage } from './raw-image.js';

/** Largest image decodeImage accepts, in pixels (guards memory against hostile headers). */
export const MAX_DECODE_PIXELS = 64 * 1024 * 1024;

/**
 * The format and header of PNG or JPEG bytes, checked before any pixel is touched: a known format,
 * a sane header and at most MAX_DECODE_PIXELS; ImageDecodeError naming `source` otherwise.
 */
export function checkedHeader(
  bytes: Uint8Array,
  source: string,
): { format: ImageFormat; header: ImageHeader } {
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new ImageDecodeError(
      source,
      `unknown format (not PNG or JPEG; first bytes ${firstBytesHex(bytes)})`,
    );
  }
  const header = probeImage(bytes);
  if (header === undefined || header.width <= 0 || header.height <= 0) {
    throw new ImageDecodeError(source, `corrupt ${format.toUpperCase()} header`);
  }
  if (header.width * header.height > MAX_DECODE_PIXELS) {
    throw new ImageDecodeError(
      source,
      `${header.width}x${header.height} exceeds the limit of ${MAX_DECODE_PIXELS} pixels`,
    );
  }
  return { format, header };
}

/** Decodes PNG or JPEG bytes to an upright image; `source` (a file name or URL) names the image in errors. */
export function decodeImage(bytes: Uint8Array, source = '<bytes>'): RawImage {
  const { format, header } = checkedHeader(bytes, source);
  let image: RawImage;
  try {
    image = format === 'png' ? decodePng(bytes) : decodeJpeg(bytes, header.channels);
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(source, `corrupt or truncated ${format.toUpperCase()} (${reason})`, {
      cause: error,
    });
  }
  return orientImage(image, header.orientation);
}

function decodeJpeg(bytes: Uint8Array, channels: 1 | 3): RawImage {
  // tolerantDecoding: false, so a truncated file throws instead of returning gray blocks.
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: false,
    maxMemoryUsageInMB: 1024,
    maxResolutionInMP: MAX_DECODE_PIXELS / 1e6,
  });
  const { width, height } = decoded;
  const rgb = decoded.data;
  if (rgb.length !== width * height * 3) throw new Error(`decoder returned ${rgb.length} bytes`);
  if (channels === 3) return { width, height, channels: 3, data: rgb };
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = rgb[i * 3] ?? 0;
  return { width, height, channels: 1, data: gray };
}

function decodePng(bytes: Uint8Array): RawImage {
  const png = decodePngRaw(bytes, { checkCrc: true });
  const { width, height, depth, channels: sourceChannels } = png;
  const samples = unpackSamples(png.data, width, height, sourceChannels, depth);
  const pixels = width * height;
  if (samples.length < pixels * sourceChannels) throw new Error('image data is shorter than its header says');
  if (png.palette) {
    const palette = png.palette;
    const out = new Uint8Array(pixels * 3);
    for (let i = 0; i < pixels; i++) {
      const entry = palette[samples[i] ?? 0];
      if (entry === undefined) throw new Error(`palette index ${samples[i]} out of range`);
      out[i * 3] = entry[0] ?? 0;
      out[i * 3 + 1] = entry[1] ?? 0;
      out[i * 3 + 2] = entry[2] ?? 0;
    }
    return { width, height, channels: 3, data: out };
  }
  const scale = toByteScale(depth);
  const keep = sourceChannels <= 2 ? 1 : 3; // drop alpha
  const out = new Uint8Array(pixels * keep);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < keep; c++) out[i * keep + c] = scale(samples[i * sourceChannels + c] ?? 0);
  }
  return { width, height, channels: keep, data: out };
}

function toByteScale(depth: number): (v: number) => number {
  if (depth === 8) return (v) => v;
  if (depth === 16) return (v) => Math.floor((v * 255 + 32767) / 65535);
  const max = (1 << depth) - 1;
  return (v) => Math.floor((v * 255) / max);
}

/** Sub-byte samples are packed per row (rows padded to whole bytes); unpack to one per entry. */
function unpackSamples(
  data: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  depth: number,
): ArrayLike<number> {
  if (depth >= 8) return data;
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(perRow * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = data[y * rowBytes + (bit >> 3)] ?? 0;
      out[y * perRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}
