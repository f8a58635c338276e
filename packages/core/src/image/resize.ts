/**
 * resizeImage: bilinear resampling in exact integer arithmetic, so that every runtime (V8, JSC,
 * SpiderMonkey, workerd, and any port to another language) produces bit-identical bytes.
 *
 * Algorithm (half-pixel centres, as OpenCV INTER_LINEAR, PyTorch align_corners=False and
 * tf.image.resize(bilinear, antialias=False); no antialiasing when shrinking):
 * 1. For output column x, the source coordinate in 1/2048 pixel units is
 *    sx = floor((((2x + 1) * inW - outW) * 2048 + outW) / (2 * outW)), i.e. round-half-up of
 *    ((x + 0.5) * inW / outW - 0.5) * 2048, clamped to [0, (inW - 1) * 2048]
 *    (edge pixels are replicated). All operands are integers below 2^53, so the division and
 *    floor are exact. Rows are the same with y, inH, outH.
 * 2. x0 = sx >> 11, wx = sx & 2047, x1 = min(x0 + 1, inW - 1); likewise y0, wy, y1.
 * 3. Per channel: top = p(x0, y0) * (2048 - wx) + p(x1, y0) * wx,
 *    bottom = p(x0, y1) * (2048 - wx) + p(x1, y1) * wx,
 *    out = (top * (2048 - wy) + bottom * wy + 2^21) >> 22 (round half up; max < 2^31).
 * Same size in and out gives an exact copy.
 *
 * resizeRegion computes a window of such a resize (the columns left..left+width-1 and rows
 * top..top+height-1 of the image resized to scaledWidth x scaledHeight) with the same tables, so
 * a centre crop of a resize is bit-identical to resizing fully and cropping, without the full
 * intermediate image.
 */
import { ConfigError } from '../errors.js';
import type { RawImage } from './raw-image.js';

const SHIFT = 11;
const ONE = 1 << SHIFT; // 2048
const ROUND = 1 << (2 * SHIFT - 1);

/** Bilinear resize to width x height (exact integer algorithm, see the file comment). */
export function resizeImage(image: RawImage, width: number, height: number): RawImage {
  return resizeRegion(image, width, height, { left: 0, top: 0, width, height });
}

/** A window of the image resized to scaledWidth x scaledHeight: its `width` x `height` pixels from (left, top). */
export interface ResizeWindow {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The pixels of `window` within the image resized (bilinear, as resizeImage) to scaledWidth x
 * scaledHeight, computed without the full resized image; bit-identical to resizing, then cropping.
 */
export function resizeRegion(
  image: RawImage,
  scaledWidth: number,
  scaledHeight: number,
  window: ResizeWindow,
): RawImage {
  for (const [name, value] of [
    ['width', scaledWidth],
    ['height', scaledHeight],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`resize '${name}' must be a positive integer, got ${value}`);
    }
  }
  const { left, top, width, height } = window;
  if (
    ![left, top, width, height].every(Number.isInteger) ||
    left < 0 ||
    top < 0 ||
    width < 1 ||
    height < 1 ||
    left + width > scaledWidth ||
    top + height > scaledHeight
  ) {
    throw new ConfigError(
      `resize window ${width}x${height} at (${left}, ${top}) must lie within the resized ${scaledWidth}x${scaledHeight} image`,
    );
  }
  const { width: inW, height: inH, channels } = image;
  if (image.data.length !== inW * inH * channels) {
    throw new ConfigError(`image data must have ${inW * inH * channels} bytes, got ${image.data.length}`);
  }
  const src = image.data;
  const rowStride = inW * channels;
  if (inW === scaledWidth && inH === scaledHeight) {
    // The tables are the identity (weight 0): copy the window's rows.
    const out = new Uint8Array(width * height * channels);
    for (let y = 0; y < height; y++) {
      const from = (top + y) * rowStride + left * channels;
      out.set(src.subarray(from, from + width * channels), y * width * channels);
    }
    return { width, height, channels, data: out };
  }
  const xs = axisTable(inW, scaledWidth, left, width);
  const ys = axisTable(inH, scaledHeight, top, height);
  const out = new Uint8Array(width * height * channels);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const y0 = ys.i0[y] ?? 0;
    const y1 = ys.i1[y] ?? 0;
    const wy = ys.w[y] ?? 0;
    const row0 = y0 * rowStride;
    const row1 = y1 * rowStride;
    for (let x = 0; x < width; x++) {
      const a = (xs.i0[x] ?? 0) * channels;
      const b = (xs.i1[x] ?? 0) * channels;
      const wx = xs.w[x] ?? 0;
      for (let c = 0; c < channels; c++) {
        const top = (src[row0 + a + c] ?? 0) * (ONE - wx) + (src[row0 + b + c] ?? 0) * wx;
        const bottom = (src[row1 + a + c] ?? 0) * (ONE - wx) + (src[row1 + b + c] ?? 0) * wx;
        out[o++] = (top * (ONE - wy) + bottom * wy + ROUND) >> (2 * SHIFT);
      }
    }
  }
  return { width, height, channels, data: out };
}

interface AxisTable {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w: Int32Array;
}

/** Source indices and 11-bit weights of output positions start..start+count-1 along one axis. */
function axisTable(inSize: number, outSize: number, start: number, count: number): AxisTable {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const w = new Int32Array(count);
  const max = (inSize - 1) * ONE;
  for (let k = 0; k < count; k++) {
    const i = start + k;
    const numerator = ((2 * i + 1) * inSize - outSize) * ONE + outSize;
    let s = Math.floor(numerator / (2 * outSize));
    if (s < 0) s = 0;
    if (s > max) s = max;
    const lo = s >> SHIFT;
    i0[k] = lo;
    i1[k] = Math.min(lo + 1, inSize - 1);
    w[k] = s & (ONE - 1);
  }
  return { i0, i1, w };
}
