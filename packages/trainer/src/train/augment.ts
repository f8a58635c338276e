/**
 * Batch augmentation in plain JS on normalised NHWC float32 batches, driven by a SeededRandom so
 * that a run (and a resumed run) draws the same crops and flips. Random crop pads with zeros, which
 * after normalisation is the mean colour; random resized crop follows torchvision's sampling
 * (area fraction and log-uniform aspect ratio, 10 tries, then a centre crop) with bilinear
 * resampling (half-pixel centres, as align_corners=false).
 */
import type { SeededRandom } from '@edgeml/core';
import type { AugmentConfig } from './config.js';

/** NHWC shape of a batch. */
export type BatchShape = readonly [n: number, h: number, w: number, c: number];

/** Random crop of each image after zero padding by `padding` pixels on every side. */
export function randomCrop(
  x: Float32Array,
  shape: BatchShape,
  padding: number,
  rng: SeededRandom,
): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(x.length);
  const image = h * w * c;
  for (let b = 0; b < n; b++) {
    const dy = rng.int(2 * padding + 1) - padding;
    const dx = rng.int(2 * padding + 1) - padding;
    const base = b * image;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      for (let xx = 0; xx < w; xx++) {
        const sx = xx + dx;
        if (sx < 0 || sx >= w) continue;
        const dst = base + (y * w + xx) * c;
        const src = base + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) out[dst + ch] = x[src + ch]!;
      }
    }
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

/** True when the config asks for any augmentation. */
export function hasAugmentation(config: AugmentConfig): boolean {
  return config.randomCropPadding > 0 || config.horizontalFlip || config.randomResizedCrop !== null;
}

/** Applies the configured augmentations (crop, then flip) to a batch; returns the new pixels. */
export function augmentBatch(
  x: Float32Array,
  shape: BatchShape,
  config: AugmentConfig,
  rng: SeededRandom,
): Float32Array {
  let out = x;
  if (config.randomResizedCrop !== null) {
    out = randomResizedCrop(out, shape, config.randomResizedCrop.scale, config.randomResizedCrop.ratio, rng);
  } else if (config.randomCropPadding > 0) {
    out = randomCrop(out, shape, config.randomCropPadding, rng);
  }
  if (config.horizontalFlip) {
    if (out === x) out = new Float32Array(x);
    horizontalFlip(out, shape, rng);
  }
  return out;
}
