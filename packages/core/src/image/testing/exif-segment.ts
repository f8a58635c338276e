/**
 * Test fixtures for EXIF orientation: a minimal TIFF block holding only the orientation tag, and
 * the same block spliced into JPEG bytes (APP1 'Exif\0\0') or PNG bytes (an eXIf chunk), as
 * cameras and phones write them. Test code only; not exported from the package.
 */

/** A TIFF block whose IFD0 holds only tag 0x0112 = `orientation` (type SHORT 3, or LONG 4). */
export function exifTiff(orientation: number, order: 'II' | 'MM' = 'II', type: 3 | 4 = 3): Uint8Array {
  const bytes = new Uint8Array(26);
  const view = new DataView(bytes.buffer);
  const little = order === 'II';
  bytes.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  view.setUint32(4, 8, little); // IFD0 right after the header
  view.setUint16(8, 1, little); // one entry
  view.setUint16(10, 0x0112, little);
  view.setUint16(12, type, little);
  view.setUint32(14, 1, little);
  if (type === 3) view.setUint16(18, orientation, little);
  else view.setUint32(18, orientation, little);
  view.setUint32(22, 0, little); // no next IFD
  return bytes;
}

/** JPEG bytes with an APP1 Exif segment carrying `orientation` inserted right after SOI. */
export function withJpegOrientation(
  jpeg: Uint8Array,
  orientation: number,
  order: 'II' | 'MM' = 'II',
): Uint8Array {
  const payload = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, ...exifTiff(orientation, order)]);
  const length = payload.length + 2;
  const segment = new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload]);
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, 2));
  out.set(segment, 2);
  out.set(jpeg.subarray(2), 2 + segment.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** PNG bytes with an eXIf chunk carrying `orientation` inserted right after IHDR. */
export function withPngOrientation(png: Uint8Array, orientation: number): Uint8Array {
  const data = exifTiff(orientation, 'MM');
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set([0x65, 0x58, 0x49, 0x66], 4); // 'eXIf'
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  const afterIhdr = 8 + 25;
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, afterIhdr));
  out.set(chunk, afterIhdr);
  out.set(png.subarray(afterIhdr), afterIhdr + chunk.length);
  return out;
}
