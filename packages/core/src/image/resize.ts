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
 */
import { ConfigError } from '../errors.js';
import type { RawImage } from './raw-image.js';

const SHIFT = 11;
const ONE = 1 << SHIFT; // 2048
const ROUND = 1 << (2 * SHIFT - 1);

/** Bilinear resize to width x height (exact integer algorithm, see the file comment). */
export function resizeImage(image: RawImage, width: number, height: number): RawImage {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`resize '${name}' must be a positive integer, got ${value}`);
    }
  }
  const { width: inW, height: inH, channels } = image;
  if (image.data.length !== inW * inH * channels) {
    throw new ConfigError(`image data must have ${inW * inH * channels} bytes, got ${image.data.length}`);
  }
  if (inW === width && inH === height) {
    return { width, height, channels, data: image.data.slice() };
  }
  const xs = axisTable(inW, width);
  const ys = axisTable(inH, height);
  const src = image.data;
  const out = new Uint8Array(width * height * channels);
  const rowStride = inW * channels;
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

/** Source indices and 11-bit weights of each output position along one axis. */
function axisTable(inSize: number, outSize: number): AxisTable {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w = new Int32Array(outSize);
  const max = (inSize - 1) * ONE;
  for (let i = 0; i < outSize; i++) {
    const numerator = ((2 * i + 1) * inSize - outSize) * ONE + outSize;
    let s = Math.floor(numerator / (2 * outSize));
    if (s < 0) s = 0;
    if (s > max) s = max;
    const lo = s >> SHIFT;
    i0[i] = lo;
    i1[i] = Math.min(lo + 1, inSize - 1);
    w[i] = s & (ONE - 1);
  }
  return { i0, i1, w };
}
