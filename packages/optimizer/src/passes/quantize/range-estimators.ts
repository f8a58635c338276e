/**
 * Range estimators: from a tensor's calibration histogram to the real range [min, max] its int8
 * parameters cover. `minmax` keeps every value (outliers included); `percentile` clips each tail
 * at the given percentile (99.99 by default); `entropy` is TensorRT's KL-divergence calibration:
 * the clipping threshold whose 8-bit quantised histogram loses the least information relative to
 * the full one (128 levels per side for signed tensors, 256 for non-negative ones such as ReLU
 * outputs, which our asymmetric int8 covers with zero point -128).
 */

import { ConfigError, formatAllowed } from '@edgeml/core';
import type { ValueHistogram } from './histogram.js';
import type { TensorRange } from './quant-math.js';

/** How calibration turns observed values into a range. */
export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';

/** Every calibration method. */
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

/** Options of the range estimators. */
export interface RangeEstimatorOptions {
  /** Percentile kept by `percentile`, in (50, 100]. @default 99.99 */
  readonly percentile?: number;
}

/** Checks a calibration method name. */
export function parseCalibrationMethod(name: string): CalibrationMethod {
  if (!(CALIBRATION_METHODS as readonly string[]).includes(name)) {
    throw new ConfigError(
      `'calibration' must be ${formatAllowed(CALIBRATION_METHODS)}, got ${JSON.stringify(name)}`,
      { allowed: CALIBRATION_METHODS },
    );
  }
  return name as CalibrationMethod;
}

/** The magnitude below which `fraction` of the histogram's mass lies (upper bin edge). */
function tailThreshold(hist: Float64Array, width: number, keep: number): number {
  let total = 0;
  for (const c of hist) total += c;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= keep * total) return (i + 1) * width;
  }
  return hist.length * width;
}

function percentileRange(h: ValueHistogram, percentile: number): TensorRange {
  if (!(percentile > 50 && percentile <= 100)) {
    throw new ConfigError(`'percentile' must be in (50, 100], got ${percentile}`);
  }
  const tail = (1 - percentile / 100) * h.count;
  let neg = 0;
  for (const c of h.negative) neg += c;
  const pos = h.count - neg;
  // The lower bound clips `tail` values of the whole tensor off the negative side, if it has them.
  const lower = neg > tail ? -tailThreshold(h.negative, h.width, 1 - tail / neg) : 0;
  const upper = pos > tail ? tailThreshold(h.positive, h.width, 1 - tail / pos) : 0;
  return { min: Math.max(h.min, Math.min(lower, 0)), max: Math.min(h.max, Math.max(upper, 0)) };
}

function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    if (pi === 0) continue;
    const qi = q[i]! / sq;
    if (qi === 0) return Number.POSITIVE_INFINITY;
    kl += pi * Math.log(pi / qi);
  }
  return kl;
}

/** TensorRT's entropy threshold over a magnitude histogram, quantising to `levels` bins. */
export function entropyThreshold(hist: Float64Array, width: number, levels: number): number {
  const n = hist.length;
  let lastNonZero = 0;
  for (let i = 0; i < n; i++) if (hist[i]! > 0) lastNonZero = i;
  if (lastNonZero < levels) return (lastNonZero + 1) * width;
  let best = lastNonZero + 1;
  let bestKl = Number.POSITIVE_INFINITY;
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  for (let i = levels; i <= lastNonZero + 1; i++) {
    // Reference: the first i bins, with everything clipped away folded into the last one.
    p.fill(0);
    for (let k = 0; k < i; k++) p[k] = hist[k]!;
    let outliers = 0;
    for (let k = i; k < n; k++) outliers += hist[k]!;
    p[i - 1]! += outliers;
    // Candidate: the first i bins merged into `levels` bins, spread back over the non-empty ones.
    q.fill(0);
    const merge = i / levels;
    for (let j = 0; j < levels; j++) {
      const start = Math.floor(j * merge);
      const end = j === levels - 1 ? i : Math.floor((j + 1) * merge);
      let sum = 0;
      let nonZero = 0;
      for (let k = start; k < end; k++) {
        sum += hist[k]!;
        if (hist[k]! > 0) nonZero++;
      }
      if (nonZero === 0) continue;
      for (let k = start; k < end; k++) if (hist[k]! > 0) q[k] = sum / nonZero;
    }
    const kl = klDivergence(p.subarray(0, i), q.subarray(0, i));
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best * width;
}

function entropyRange(h: ValueHistogram): TensorRange {
  const nonNegative = h.min >= 0;
  const threshold = nonNegative
    ? entropyThreshold(h.positive, h.width, 256)
    : entropyThreshold(h.magnitudes(), h.width, 128);
  return { min: Math.max(h.min, -threshold), max: Math.min(h.max, threshold) };
}

/** The range `method` assigns to the values collected in `h`. */
export function estimateRange(
  h: ValueHistogram,
  method: CalibrationMethod,
  options: RangeEstimatorOptions = {},
): TensorRange {
  if (h.count === 0) throw new ConfigError('cannot estimate a range from a histogram with no values');
  if (h.width === 0 || method === 'minmax') return { min: h.min, max: h.max };
  if (method === 'percentile') return percentileRange(h, options.percentile ?? 99.99);
  return entropyRange(h);
}
