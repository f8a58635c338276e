/**
 * checkImageIntegrity: whether PNG or JPEG bytes are whole and within decodeImage's pixel limit,
 * without decoding the pixels (a linear
 * scan, many times faster than decodeImage), so a loader can find truncated and damaged files of a
 * large data set before training instead of in the middle of it.
 * - PNG: the chunk chain from IHDR through at least one IDAT to IEND, every chunk inside the file
 *   and its CRC-32 right (so a flipped bit anywhere in the chunks is found).
 * - JPEG: the marker segments from SOI, a frame header (SOF) before the first scan, every segment
 *   inside the file, and the entropy-coded data of the scans followed by the EOI marker (bytes after
 *   EOI, as phones append, are allowed). Damage inside the entropy-coded data that keeps the marker
 *   structure is not found here; decodeImage reports it.
 */
import { ImageDecodeError } from '../errors.js';
import { checkedHeader } from './decode.js';
import type { ImageHeader } from './format.js';

/** The header of whole PNG or JPEG bytes; ImageDecodeError naming `source` and the damage otherwise. */
export function checkImageIntegrity(bytes: Uint8Array, source = '<bytes>'): ImageHeader {
  const { format, header } = checkedHeader(bytes, source);
  const damage = format === 'png' ? pngDamage(bytes) : jpegDamage(bytes);
  if (damage !== undefined) throw new ImageDecodeError(source, damage);
  return header;
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] ?? 0) * 0x1000000 +
    (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0))
  );
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as PNG and zlib use) of bytes[from, to). */
function crc32(bytes: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = (CRC_TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngDamage(bytes: Uint8Array): string | undefined {
  let at = 8;
  let sawData = false;
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > bytes.length) {
      return `truncated PNG (chunk '${type}' at byte ${at} needs ${length + 12} bytes, ${bytes.length - at} left)`;
    }
    if (crc32(bytes, at + 4, at + 8 + length) !== u32(bytes, at + 8 + length)) {
      return `corrupt PNG (CRC mismatch in chunk '${type}' at byte ${at})`;
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData ? undefined : 'corrupt PNG (no IDAT image data before IEND)';
    at = end;
  }
  return `truncated PNG (no IEND chunk; the file ends at byte ${bytes.length})`;
}

function jpegDamage(bytes: Uint8Array): string | undefined {
  let at = 2;
  let sawFrame = false;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return `corrupt JPEG (expected a marker at byte ${at})`;
    const marker = bytes[at + 1];
    if (marker === undefined) break;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) return sawFrame ? undefined : 'corrupt JPEG (end of image before any frame header)';
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) break;
    const length = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    if (length < 2)
      return `corrupt JPEG (segment 0x${marker.toString(16)} at byte ${at} has length ${length})`;
    if (at + 2 + length > bytes.length) {
      return `truncated JPEG (segment 0x${marker.toString(16)} at byte ${at} runs past the end of the file)`;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      sawFrame = true;
    }
    at += 2 + length;
    if (marker === 0xda) {
      if (!sawFrame) return 'corrupt JPEG (scan before any frame header)';
      at = endOfEntropyData(bytes, at);
    }
  }
  return `truncated JPEG (no end-of-image marker; the file ends at byte ${bytes.length})`;
}

/** The index of the first marker after a scan's entropy-coded data (FF 00 and restart markers belong to it). */
function endOfEntropyData(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1] ?? 0;
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
    return i;
  }
  return bytes.length;
}
