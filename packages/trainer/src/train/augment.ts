/**
 * Batch augmentation in plain JS on normalised NHWC float32 batches, driven by a SeededRandom so
 * that a run (and a resumed run) draws the same crops, flips, colours and holes. The order is
 * torchvision's usual CIFAR pipeline: crop (or random resized crop), flip, colour jitter, cutout.
 * Random crop pads with black (pixel 0 before normalisation, as torchvision pads the image before
 * `Normalize`); colour jitter undoes the normalisation, adjusts the [0, 1] pixels as torchvision's
 * ColorJitter on tensors does, clamps, and normalises again; cutout zeroes a square of the
 * normalised image (the mean colour), as DeVries & Taylor's code does after normalisation. Random
 * resized crop follows torchvision's sampling (area fraction and log-uniform aspect ratio, 10
 * tries, then a centre crop) with bilinear resampling (half-pixel centres, as align_corners=false).
 */
import type { SeededRandom } from '@edgeml/core';
import type { Normalization } from '../data/dataset.js';
import type { AugmentConfig, ColorJitterConfig } from './config.js';

/** NHWC shape of a batch. */
export type BatchShape = readonly [n: number, h: number, w: number, c: number];

/** The normalised value of a black pixel per channel: (0 - mean) / std. */
export function blackPixel(normalization: Normalization): number[] {
  return normalization.mean.map((m, c) => -m / (normalization.std[c] ?? 1));
}

/**
 * One image shifted by (dy, dx): out[y][x] = in[y + dy][x + dx], `fill` (one value per channel)
 * where that falls outside. This is torchvision's crop at top = p + dy, left = p + dx of the image
 * padded by p.
 */
export function shiftImage(
  x: Float32Array,
  out: Float32Array,
  base: number,
  h: number,
  w: number,
  c: number,
  dy: number,
  dx: number,
  fill: readonly number[],
): void {
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    for (let xx = 0; xx < w; xx++) {
      const sx = xx + dx;
      const dst = base + (y * w + xx) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let ch = 0; ch < c; ch++) out[dst + ch] = fill[ch] ?? 0;
        continue;
      }
      const src = base + (sy * w + sx) * c;
      for (let ch = 0; ch < c; ch++) out[dst + ch] = x[src + ch]!;
    }
  }
}

/**
 * Random crop of each image after padding by `padding` pixels on every side: the offsets dy, dx
 * are drawn uniform in [-padding, padding] (dy first). The padding is `fill` per channel (zeros
 * when omitted; augmentBatch passes the normalised black, blackPixel).
 */
export function randomCrop(
  x: Float32Array,
  shape: BatchShape,
  padding: number,
  rng: SeededRandom,
  fill: readonly number[] = [],
): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(x.length);
  const image = h * w * c;
  for (let b = 0; b < n; b++) {
    const dy = rng.int(2 * padding + 1) - padding;
    const dx = rng.int(2 * padding + 1) - padding;
    shiftImage(x, out, b * image, h, w, c, dy, dx, fill);
  }
  return out;
}

/** Flips each image left-right with probability 0.5, in place. */
export function horizontalFlip(x: Float32Array, shape: BatchShape, rng: SeededRandom): Float32Array {
  const [n, h, w, c] = shape;
  const image = h * w * c;
  for (let b = 0; b < n; b++) {
    if (rng.next() >= 0.5) continue;
    for (let y = 0; y < h; y++) {
      const row = b * image + y * w * c;
      for (let xx = 0; xx < w >> 1; xx++) {
        const l = row + xx * c;
        const r = row + (w - 1 - xx) * c;
        for (let ch = 0; ch < c; ch++) {
          const t = x[l + ch]!;
          x[l + ch] = x[r + ch]!;
          x[r + ch] = t;
        }
      }
    }
  }
  return x;
}

/** A crop rectangle: top, left, height, width in pixels. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** Samples a crop box as torchvision's RandomResizedCrop.get_params does. */
export function sampleResizedCropBox(
  h: number,
  w: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: SeededRandom,
): CropBox {
  const area = h * w;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + rng.next() * (scale[1] - scale[0]));
    const aspect = Math.exp(logLo + rng.next() * (logHi - logLo));
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      return { top: rng.int(h - ch + 1), left: rng.int(w - cw + 1), height: ch, width: cw };
    }
  }
  // Fallback: the largest centre crop whose aspect ratio lies within `ratio`.
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
}

/** Bilinear resize of one HWC crop (inside an image of width `w`) to `outH` x `outW`. */
function resizeCrop(
  src: Float32Array,
  srcOffset: number,
  w: number,
  c: number,
  box: CropBox,
  dst: Float32Array,
  dstOffset: number,
  outH: number,
  outW: number,
): void {
  const sy = box.height / outH;
  const sx = box.width / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), box.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, box.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), box.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, box.width - 1);
      const wx = fx - x0;
      const p00 = srcOffset + ((box.top + y0) * w + box.left + x0) * c;
      const p01 = srcOffset + ((box.top + y0) * w + box.left + x1) * c;
      const p10 = srcOffset + ((box.top + y1) * w + box.left + x0) * c;
      const p11 = srcOffset + ((box.top + y1) * w + box.left + x1) * c;
      const o = dstOffset + (y * outW + x) * c;
      for (let ch = 0; ch < c; ch++) {
        const top = src[p00 + ch]! * (1 - wx) + src[p01 + ch]! * wx;
        const bottom = src[p10 + ch]! * (1 - wx) + src[p11 + ch]! * wx;
        dst[o + ch] = top * (1 - wy) + bottom * wy;
      }
    }
  }
}

/** Random resized crop of each image, resampled bilinearly back to the batch's size. */
export function randomResizedCrop(
  x: Float32Array,
  shape: BatchShape,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: SeededRandom,
): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(x.length);
  const image = h * w * c;
  for (let b = 0; b < n; b++) {
    const box = sampleResizedCropBox(h, w, scale, ratio, rng);
    resizeCrop(x, b * image, w, c, box, out, b * image, h, w);
  }
  return out;
}

/** Luma weights of torchvision's rgb_to_grayscale (ITU-R 601-2). */
const GRAY = [0.2989, 0.587, 0.114] as const;

/** Draws colour-jitter factors: uniform in [max(0, 1 - v), 1 + v], null where v is 0 (off). */
function jitterFactor(strength: number, rng: SeededRandom): number | null {
  if (strength === 0) return null;
  const lo = Math.max(0, 1 - strength);
  return lo + rng.next() * (1 + strength - lo);
}

const clamp01 = (v: number) => Math.min(Math.max(v, 0), 1);

/**
 * Adjusts one HWC image of [0, 1] pixels in place, as torchvision's functional adjust_brightness
 * (op 0: p * f), adjust_contrast (op 1: blend with the mean grey level of the image) and
 * adjust_saturation (op 2: blend with each pixel's grey level; a no-op on one channel), each
 * clamped to [0, 1], in the order `order`, skipping null factors.
 */
export function adjustColors(
  p: Float32Array,
  c: number,
  order: readonly number[],
  factors: readonly [brightness: number | null, contrast: number | null, saturation: number | null],
): void {
  const pixels = p.length / c;
  const gray = (i: number) => (c === 3 ? GRAY[0] * p[i]! + GRAY[1] * p[i + 1]! + GRAY[2] * p[i + 2]! : p[i]!);
  for (const op of order) {
    const f = factors[op as 0 | 1 | 2];
    if (f === null || f === undefined) continue;
    if (op === 0) {
      for (let i = 0; i < p.length; i++) p[i] = clamp01(f * p[i]!);
    } else if (op === 1) {
      let sum = 0;
      for (let i = 0; i < p.length; i += c) sum += gray(i);
      const mean = (1 - f) * (sum / pixels);
      for (let i = 0; i < p.length; i++) p[i] = clamp01(f * p[i]! + mean);
    } else if (c === 3) {
      for (let i = 0; i < p.length; i += 3) {
        const g = (1 - f) * gray(i);
        for (let ch = 0; ch < 3; ch++) p[i + ch] = clamp01(f * p[i + ch]! + g);
      }
    }
  }
}

/**
 * Colour jitter of each image, in place on the normalised batch: the pixels are taken back to
 * [0, 1] with `normalization`, adjusted (adjustColors) and normalised again. Per image the
 * generator draws a random order of the three adjustments (Fisher-Yates), then the brightness,
 * contrast and saturation factors of those that are on, as torchvision's ColorJitter.get_params.
 */
export function colorJitter(
  x: Float32Array,
  shape: BatchShape,
  jitter: ColorJitterConfig,
  normalization: Normalization,
  rng: SeededRandom,
): Float32Array {
  const [n, h, w, c] = shape;
  const image = h * w * c;
  const p = new Float32Array(image);
  const mean = Array.from({ length: c }, (_, ch) => normalization.mean[ch] ?? 0);
  const std = Array.from({ length: c }, (_, ch) => normalization.std[ch] ?? 1);
  for (let b = 0; b < n; b++) {
    const order = [0, 1, 2];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const factors = [
      jitterFactor(jitter.brightness, rng),
      jitterFactor(jitter.contrast, rng),
      jitterFactor(jitter.saturation, rng),
    ] as const;
    const base = b * image;
    for (let i = 0; i < image; i++) p[i] = x[base + i]! * std[i % c]! + mean[i % c]!;
    adjustColors(p, c, order, factors);
    for (let i = 0; i < image; i++) x[base + i] = (p[i]! - mean[i % c]!) / std[i % c]!;
  }
  return x;
}

/**
 * Cutout (DeVries & Taylor 2017), in place: per image a centre (y, x) uniform over the pixels (y
 * first), and the square rows [y - s/2, y + s/2) x columns [x - s/2, x + s/2) (s/2 rounded down,
 * clipped at the borders) set to 0, the mean colour of the normalised batch.
 */
export function cutout(x: Float32Array, shape: BatchShape, size: number, rng: SeededRandom): Float32Array {
  const [n, h, w, c] = shape;
  const half = Math.floor(size / 2);
  for (let b = 0; b < n; b++) {
    const cy = rng.int(h);
    const cx = rng.int(w);
    const y1 = Math.max(0, cy - half);
    const y2 = Math.min(h, cy + half);
    const x1 = Math.max(0, cx - half);
    const x2 = Math.min(w, cx + half);
    for (let y = y1; y < y2; y++) x.fill(0, ((b * h + y) * w + x1) * c, ((b * h + y) * w + x2) * c);
  }
  return x;
}

/** True when the config asks for any augmentation. */
export function hasAugmentation(config: AugmentConfig): boolean {
  return (
    config.randomCropPadding > 0 ||
    config.horizontalFlip ||
    config.randomResizedCrop !== null ||
    config.colorJitter !== undefined ||
    (config.cutout ?? 0) > 0
  );
}

/** Identity normalisation: the batch holds pixels in [0, 1]. */
const NO_NORMALIZATION: Normalization = { mean: [], std: [] };

/**
 * Applies the configured augmentations (crop, flip, colour jitter, cutout) to a batch normalised
 * with `normalization` (needed for the black crop padding and colour jitter; omitted, the batch
 * is taken as [0, 1] pixels); returns the new pixels (the input is left unchanged).
 */
export function augmentBatch(
  x: Float32Array,
  shape: BatchShape,
  config: AugmentConfig,
  rng: SeededRandom,
  normalization: Normalization = NO_NORMALIZATION,
): Float32Array {
  let out = x;
  if (config.randomResizedCrop !== null) {
    out = randomResizedCrop(out, shape, config.randomResizedCrop.scale, config.randomResizedCrop.ratio, rng);
  } else if (config.randomCropPadding > 0) {
    out = randomCrop(out, shape, config.randomCropPadding, rng, blackPixel(normalization));
  }
  const owned = () => {
    if (out === x) out = new Float32Array(x);
    return out;
  };
  if (config.horizontalFlip) horizontalFlip(owned(), shape, rng);
  if (config.colorJitter !== undefined) colorJitter(owned(), shape, config.colorJitter, normalization, rng);
  if ((config.cutout ?? 0) > 0) cutout(owned(), shape, config.cutout ?? 0, rng);
  return out;
}
