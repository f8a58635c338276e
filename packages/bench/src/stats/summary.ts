/**
 * Descriptive statistics of timing samples: percentiles by linear interpolation between the
 * closest ranks (the "R-7" / NumPy default definition), mean, sample standard deviation, extremes.
 */
import { ConfigError } from '@edgeml/core';

/** Statistics of one sample set (same unit as the samples, usually milliseconds). */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1 in the denominator; 0 for a single sample). */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** The `q`-quantile (0..1) of samples already sorted ascending, interpolated linearly. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new ConfigError(`'q' must be in [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) throw new ConfigError('cannot take a quantile of an empty sample set');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/** The `q`-quantile (0..1) of samples in any order. */
export function quantile(samples: readonly number[], q: number): number {
  return quantileSorted(
    [...samples].sort((a, b) => a - b),
    q,
  );
}

/** Summarises samples (any order); throws a ConfigError on an empty set or a non-finite sample. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new ConfigError('cannot summarise an empty sample set');
  for (const [i, s] of samples.entries()) {
    if (!Number.isFinite(s)) throw new ConfigError(`sample ${i} must be a finite number, got ${s}`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    mean,
    sd: Math.sqrt(variance),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
  };
}
