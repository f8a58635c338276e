/**
 * Per-channel normalisation of uint8 HWC pixels: statistics from exact integer histograms (so the
 * mean/std do not depend on summation order), and a 256-entry float32 lookup table per channel
 * that turns a byte into (p / 255 - mean) / std.
 */
import type { Normalization } from './dataset.js';

/** Per-channel histograms of uint8 HWC pixels, accumulated chunk by chunk. */
export class PixelHistogram {
  /** counts[c * 256 + v] = pixels of channel c with value v. */
  readonly counts: Float64Array;

  constructor(readonly channels: number) {
    this.counts = new Float64Array(channels * 256);
  }

  /** Adds interleaved pixels (length a multiple of channels). */
  add(pixels: Uint8Array): void {
    const { channels, counts } = this;
    if (channels === 1) {
      const local = new Uint32Array(256);
      for (let i = 0; i < pixels.length; i++) {
        const v = pixels[i] ?? 0;
        local[v] = (local[v] ?? 0) + 1;
      }
      for (let v = 0; v < 256; v++) counts[v] = (counts[v] ?? 0) + (local[v] ?? 0);
      return;
    }
    for (let i = 0; i < pixels.length; i++) {
      const k = (i % channels) * 256 + (pixels[i] ?? 0);
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }

  /** Mean and population standard deviation of pixel/255 per channel (std 0 becomes 1). */
  normalization(): Normalization {
    const mean: number[] = [];
    const std: number[] = [];
    for (let c = 0; c < this.channels; c++) {
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      for (let v = 0; v < 256; v++) {
        const k = this.counts[c * 256 + v] ?? 0;
        n += k;
        sum += k * v;
        sumSq += k * v * v;
      }
      if (n === 0) {
        mean.push(0);
        std.push(1);
        continue;
      }
      const m = sum / n;
      const variance = Math.max(0, sumSq / n - m * m);
      const s = Math.sqrt(variance) / 255;
      mean.push(m / 255);
      // A constant channel has nothing to scale; dividing by 1 keeps the values finite.
      std.push(s > 1e-12 ? s : 1);
    }
    return { mean, std };
  }
}

/** Mean/std of pixel/255 per channel over interleaved uint8 pixels. */
export function computeNormalization(pixels: Uint8Array, channels: number): Normalization {
  const histogram = new PixelHistogram(channels);
  histogram.add(pixels);
  return histogram.normalization();
}

/** Float32 table: lut[c * 256 + p] = (p / 255 - mean[c]) / std[c]. */
export function normalizationTable(normalization: Normalization, channels: number): Float32Array {
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = normalization.mean[c] ?? 0;
    const std = normalization.std[c] ?? 1;
    for (let p = 0; p < 256; p++) lut[c * 256 + p] = (p / 255 - mean) / std;
  }
  return lut;
}

/** Writes normalised pixels into `out` (same length) using a table from normalizationTable. */
export function normalizeInto(
  pixels: Uint8Array,
  lut: Float32Array,
  channels: number,
  out: Float32Array,
): void {
  if (channels === 1) {
    for (let i = 0; i < pixels.length; i++) out[i] = lut[pixels[i] ?? 0] ?? 0;
    return;
  }
  for (let i = 0; i < pixels.length; i++) out[i] = lut[(i % channels) * 256 + (pixels[i] ?? 0)] ?? 0;
}
