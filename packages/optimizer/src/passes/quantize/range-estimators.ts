/**
 * Range estimators: from a tensor's calibration histogram to the real range [min, max] its int8
 * parameters cover. `minmax` keeps every value (outliers included); `percentile` clips each tail
 * at the given percentile (99.99 by default); `entropy` is TensorRT's KL-divergence calibration:
 * the clipping threshold whose 8-bit quantised histogram loses the least information relative to
 * the full one (128 levels per side for symmetric tensors, 256 for non-negative ones such as ReLU
 * outputs, which our asymmetric int8 covers with zero point -128, and in proportion to the span
 * kept on each side in between). Given the same histogram it picks the threshold that NVIDIA's
 * pytorch-quantization (`_compute_amax_entropy`) picks.
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

/** Index past the last non-empty bin of `hist` (0 when it is empty). */
function occupiedBins(hist: Float64Array): number {
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i]! > 0) return i + 1;
  return 0;
}

/**
 * One side of the KL search: `sum p log(p / q)` (unnormalised) over the first `keep` bins of
 * `hist`. The reference p is those bins with everything beyond folded into the last one; the
 * candidate q is them merged into `cells` quantisation cells and spread evenly back over each
 * cell's non-empty bins. Bin `k` joins the cell holding its lower edge (`k` in
 * `[j * keep / cells, (j + 1) * keep / cells)`, as pytorch-quantization's `np.digitize` does),
 * cells counted from 0, which int8 represents exactly. Infinite when p has mass where q has none
 * (outliers folded into an empty last bin), as in TensorRT.
 */
function sideDivergence(hist: Float64Array, keep: number, cells: number): number {
  if (keep === 0) return 0;
  let outliers = 0;
  for (let k = keep; k < hist.length; k++) outliers += hist[k]!;
  const merge = keep / cells;
  let sum = 0;
  for (let j = 0; j < cells; j++) {
    const start = Math.ceil(j * merge);
    const end = j === cells - 1 ? keep : Math.ceil((j + 1) * merge);
    let mass = 0;
    let nonZero = 0;
    for (let k = start; k < end; k++) {
      mass += hist[k]!;
      if (hist[k]! > 0) nonZero++;
    }
    for (let k = start; k < end; k++) {
      const p = hist[k]! + (k === keep - 1 ? outliers : 0);
      if (p === 0) continue;
      if (hist[k]! === 0) return Number.POSITIVE_INFINITY;
      sum += p * Math.log(p / (mass / nonZero));
    }
  }
  return sum;
}

/**
 * Entropy calibration over a tensor's negative and positive magnitude histograms (bin `k` of each
 * covers magnitudes `[k, k + 1)` bin widths): how many bins `i` to keep (threshold `T = i *
 * width`, one for both signs, as TensorRT and onnxruntime search) so that quantising to `levels`
 * cells loses the least information (KL divergence) relative to the unclipped values.
 *
 * The signs stay apart: values beyond T fold into their own side's last kept bin. Folding both
 * into one |x| histogram (what a symmetric calibrator does) is wrong for the asymmetric int8
 * range `[max(min, -T), min(max, T)]`: on a normalised image input, the background spike at the
 * minimum shares its |x| with mid-grey foreground, so clipping the bright foreground at |min|
 * looked almost free. The cells are shared between the sides in proportion to the span each
 * keeps, as that int8 range shares its 256 levels: 128 per side for a symmetric tensor
 * (TensorRT's signed search), all 256 for a non-negative one. Candidates start where every cell
 * is at least one bin wide; ties go to the larger threshold (as pytorch-quantization). Returns
 * the occupied bins (no clipping) when the histogram has no more than `levels` of them.
 */
export function entropyBins(negative: Float64Array, positive: Float64Array, levels = 256): number {
  const nNeg = occupiedBins(negative);
  const nPos = occupiedBins(positive);
  const n = Math.max(nNeg, nPos);
  if (nNeg + nPos <= levels) return n;
  let total = 0;
  for (let k = 0; k < nNeg; k++) total += negative[k]!;
  for (let k = 0; k < nPos; k++) total += positive[k]!;
  let best = n;
  let bestKl = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= n; i++) {
    const a = Math.min(i, nNeg);
    const b = Math.min(i, nPos);
    if (a + b < levels) continue;
    const negCells = b === 0 ? levels : a === 0 ? 0 : Math.max(1, Math.round((levels * a) / (a + b)));
    let inside = 0;
    for (let k = 0; k < a; k++) inside += negative[k]!;
    for (let k = 0; k < b; k++) inside += positive[k]!;
    if (inside === 0) continue;
    // KL(P || Q), P normalised by all the values, Q by those inside [-T, T].
    const raw = sideDivergence(negative, a, negCells) + sideDivergence(positive, b, levels - negCells);
    const kl = raw / total + Math.log(inside / total);
    if (kl <= bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

/**
 * TensorRT's entropy threshold of a one-sided magnitude histogram quantised to `levels` cells
 * (256 for a non-negative tensor, 128 for one side of a symmetric one).
 */
export function entropyThreshold(hist: Float64Array, width: number, levels: number): number {
  return entropyBins(new Float64Array(0), hist, levels) * width;
}

function entropyRange(h: ValueHistogram): TensorRange {
  // Exact zeros cost nothing (int8 holds 0 exactly): leave them out of the divergence, or a ReLU
  // output's zero spike, smeared over the first cell, pulls the threshold down (the bias
  // pytorch-quantization's `bins[0] = bins[1]` works around).
  const positive = Float64Array.from(h.positive);
  positive[0] = Math.max(0, positive[0]! - h.zeros);
  const threshold = entropyBins(h.negative, positive, 256) * h.width;
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
