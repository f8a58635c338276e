/**
 * A streaming histogram of one tensor's values for calibration: exact min/max, and two histograms
 * of magnitudes (positive and negative values apart) over `[0, bins * width)` with a width that
 * doubles (neighbouring bins merged) whenever a larger magnitude arrives, so no first pass to find
 * the range is needed and memory stays `2 * bins` counters per tensor. Exact zeros (most of a ReLU
 * output) are also counted apart: int8 represents 0 exactly (integer zero point), so the entropy
 * estimator leaves them out of the quantisation-error measure.
 */

import { ConfigError } from '@edgeml/core';

/** Default number of histogram bins (TensorRT's entropy calibrator uses 2048). */
export const DEFAULT_HISTOGRAM_BINS = 2048;

/** Collects min, max and magnitude histograms of the values it is shown. */
export class ValueHistogram {
  /** Smallest value seen. */
  min = Number.POSITIVE_INFINITY;
  /** Largest value seen. */
  max = Number.NEGATIVE_INFINITY;
  /** Values seen. */
  count = 0;
  /** Values exactly 0 seen (also counted in `positive[0]`). */
  zeros = 0;
  /** Width of one bin (0 until a non-zero value arrives). */
  width = 0;
  /** Counts of positive values and zeros by magnitude: bin `floor(x / width)`. */
  readonly positive: Float64Array;
  /** Counts of negative values by magnitude. */
  readonly negative: Float64Array;

  constructor(readonly bins = DEFAULT_HISTOGRAM_BINS) {
    // Growing merges neighbouring pairs of bins, so an odd count would drop the last one.
    if (!(Number.isInteger(bins) && bins >= 2 && bins % 2 === 0)) {
      throw new ConfigError(`histogram 'bins' must be an even integer >= 2, got ${bins}`);
    }
    this.positive = new Float64Array(bins);
    this.negative = new Float64Array(bins);
  }

  private grow(maxAbs: number): void {
    if (this.width === 0) {
      this.width = maxAbs / this.bins || Number.MIN_VALUE;
      // Leave a little headroom so the first batch's maximum lands inside the last bin.
      this.width *= 1 + 1e-6;
      return;
    }
    while (maxAbs >= this.width * this.bins) {
      for (const h of [this.positive, this.negative]) {
        for (let i = 0; i < this.bins / 2; i++) h[i] = h[2 * i]! + h[2 * i + 1]!;
        h.fill(0, this.bins / 2);
      }
      this.width *= 2;
    }
  }

  /** Adds every value of `data`. */
  add(data: ArrayLike<number>): void {
    let lo = this.min;
    let hi = this.max;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.min = lo;
    this.max = hi;
    this.count += data.length;
    const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
    if (maxAbs > 0 && (this.width === 0 || maxAbs >= this.width * this.bins)) this.grow(maxAbs);
    if (this.width === 0) {
      // Every value so far is 0.
      this.positive[0]! += data.length;
      this.zeros += data.length;
      return;
    }
    const inv = 1 / this.width;
    const last = this.bins - 1;
    let zeros = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v === 0) zeros++;
      if (v >= 0) this.positive[Math.min(Math.floor(v * inv), last)]! += 1;
      else this.negative[Math.min(Math.floor(-v * inv), last)]! += 1;
    }
    this.zeros += zeros;
  }

  /** Counts of |x| (positive and negative together). */
  magnitudes(): Float64Array {
    const out = new Float64Array(this.bins);
    for (let i = 0; i < this.bins; i++) out[i] = this.positive[i]! + this.negative[i]!;
    return out;
  }
}
