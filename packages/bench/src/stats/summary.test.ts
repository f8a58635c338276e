import { EdgemlError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { quantile, quantileSorted, summarize } from './summary.js';

describe('summarize', () => {
  it('gives the R-7 percentiles, mean and sample sd of 1..100', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    const s = summarize(samples);
    expect(s.n).toBe(100);
    expect(s.min).toBe(1);
    expect(s.max).toBe(100);
    expect(s.mean).toBe(50.5);
    expect(s.p50).toBeCloseTo(50.5, 12);
    expect(s.p90).toBeCloseTo(90.1, 12); // h = 99 * 0.9 = 89.1 → 90 + 0.1 * (91 - 90)
    expect(s.p99).toBeCloseTo(99.01, 12);
    expect(s.sd).toBeCloseTo(Math.sqrt((100 * 101) / 12), 10); // var of 1..n with n-1: n(n+1)/12
  });

  it('matches NumPy on a small uneven set', () => {
    // numpy.percentile([1, 2, 4, 7, 100], [50, 90, 99]) = [4, 62.8, 96.28]; std(ddof=1) = sqrt(7470.8 / 4)
    const s = summarize([7, 1, 100, 2, 4]);
    expect(s.p50).toBe(4);
    expect(s.p90).toBeCloseTo(62.8, 10);
    expect(s.p99).toBeCloseTo(96.28, 10);
    expect(s.sd).toBeCloseTo(43.2168947, 6);
  });

  it('handles one sample and the quantile ends', () => {
    expect(summarize([3])).toEqual({ n: 1, mean: 3, sd: 0, min: 3, max: 3, p50: 3, p90: 3, p99: 3 });
    expect(quantile([5, 1, 3], 0)).toBe(1);
    expect(quantile([5, 1, 3], 1)).toBe(5);
    expect(quantileSorted([1, 3], 0.25)).toBe(1.5);
  });

  it('refuses empty sets, non-finite samples and q outside [0, 1] with typed errors', () => {
    expect(() => summarize([])).toThrow(EdgemlError);
    expect(() => summarize([1, Number.NaN])).toThrow(/sample 1 must be a finite number/);
    expect(() => quantile([1], 1.5)).toThrow(/'q' must be in \[0, 1\], got 1.5/);
  });
});
