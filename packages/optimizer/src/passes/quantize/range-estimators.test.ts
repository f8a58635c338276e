import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { ValueHistogram } from './histogram.js';
import { estimateRange, parseCalibrationMethod } from './range-estimators.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
}

/** Streams `n` values in chunks, as calibration batches do. */
function histogramOf(n: number, next: (i: number) => number): ValueHistogram {
  const h = new ValueHistogram();
  for (let start = 0; start < n; start += 10_000) {
    h.add(Float32Array.from({ length: Math.min(10_000, n - start) }, (_, i) => next(start + i)));
  }
  return h;
}

describe('range estimators', () => {
  it('uniform [-1, 3]: every method keeps (nearly) the whole range', () => {
    const rand = seeded(1);
    const h = histogramOf(200_000, () => -1 + 4 * rand());
    const minmax = estimateRange(h, 'minmax');
    expect(minmax.min).toBeCloseTo(-1, 3);
    expect(minmax.max).toBeCloseTo(3, 3);
    const p = estimateRange(h, 'percentile', { percentile: 99.9 });
    expect(p.max).toBeGreaterThan(2.98);
    expect(p.max).toBeLessThanOrEqual(3);
    expect(p.min).toBeLessThan(-0.98);
    const e = estimateRange(h, 'entropy');
    expect(e.max).toBeGreaterThan(2.7);
    expect(e.min).toBeLessThan(-0.9);
  });

  it('gaussian with outliers: minmax keeps the outliers, percentile and entropy clip them', () => {
    const rand = seeded(2);
    const h = histogramOf(300_000, (i) => (i % 50_000 === 7 ? 40 : gaussian(rand)));
    const minmax = estimateRange(h, 'minmax');
    expect(minmax.max).toBe(40);
    const p = estimateRange(h, 'percentile', { percentile: 99.99 });
    // 99.99th percentile of N(0, 1) is 3.72; the histogram grew to width 40/1024 meanwhile.
    expect(p.max).toBeGreaterThan(3.4);
    expect(p.max).toBeLessThan(4.2);
    expect(p.min).toBeLessThan(-3.4);
    const e = estimateRange(h, 'entropy');
    expect(e.max).toBeGreaterThan(2);
    expect(e.max).toBeLessThan(8);
    expect(e.min).toBeCloseTo(-e.max, 6); // symmetric threshold for a signed tensor
  });

  it('non-negative (ReLU) tensors: entropy clips the long tail at a positive threshold, min stays 0', () => {
    const rand = seeded(3);
    const h = histogramOf(200_000, (i) => (i % 40_000 === 3 ? 30 : Math.max(0, gaussian(rand))));
    const e = estimateRange(h, 'entropy');
    expect(e.min).toBe(0);
    expect(e.max).toBeGreaterThan(2);
    expect(e.max).toBeLessThan(8);
  });

  it('rejects unknown methods and bad percentiles with ConfigError', () => {
    expect(() => parseCalibrationMethod('kl')).toThrow(ConfigError);
    const h = histogramOf(10, (i) => i);
    expect(() => estimateRange(h, 'percentile', { percentile: 20 })).toThrow(/percentile/);
    expect(() => estimateRange(new ValueHistogram(), 'minmax')).toThrow(ConfigError);
  });
});
