import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { ValueHistogram } from './histogram.js';
import { entropyBins, entropyThreshold, estimateRange, parseCalibrationMethod } from './range-estimators.js';

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

function laplace(rand: () => number): number {
  const u = rand() - 0.5;
  return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** Streams `n` values in chunks, as calibration batches do. */
function histogramOf(n: number, next: (i: number) => number): ValueHistogram {
  const h = new ValueHistogram();
  for (let start = 0; start < n; start += 10_000) {
    h.add(Float32Array.from({ length: Math.min(10_000, n - start) }, (_, i) => next(start + i)));
  }
  return h;
}

/** Fraction of `values` inside [min, max]. */
function kept(values: Float32Array, r: { min: number; max: number }): number {
  let n = 0;
  for (const v of values) if (v >= r.min && v <= r.max) n++;
  return n / values.length;
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

describe('percentile', () => {
  it('defaults to 99.99 and clips (100 - p)% of all values off each tail, at an upper bin edge', () => {
    const rand = seeded(4);
    const values = Float32Array.from({ length: 400_000 }, () => gaussian(rand));
    const h = new ValueHistogram();
    h.add(values);
    const p = estimateRange(h, 'percentile');
    expect(p).toEqual(estimateRange(h, 'percentile', { percentile: 99.99 }));
    // N(0, 1): P(x > 3.719) = 1e-4. The estimate is an upper bin edge: at most one bin above.
    expect(p.max).toBeGreaterThan(3.6);
    expect(p.max).toBeLessThan(3.85);
    expect(p.min).toBeLessThan(-3.6);
    expect(p.min).toBeGreaterThan(-3.85);
    const above = values.filter((v) => v > p.max).length;
    expect(above).toBeLessThanOrEqual(40);
    expect(values.filter((v) => v > p.max - h.width).length).toBeGreaterThanOrEqual(40);
  });

  it('ReLU outputs: the zeros count towards the total, the lower bound stays 0', () => {
    const rand = seeded(5);
    const values = Float32Array.from({ length: 400_000 }, () => Math.max(0, gaussian(rand)));
    const h = new ValueHistogram();
    h.add(values);
    const p = estimateRange(h, 'percentile');
    expect(p.min).toBe(0);
    expect(p.max).toBeGreaterThan(3.6);
    expect(p.max).toBeLessThan(3.85);
  });
});

describe('entropy (KL divergence) calibration', () => {
  /** Magnitude histograms whose bin 0 equals bin 1 (pytorch-quantization's own zero-bin rule). */
  function golden(f: (k: number) => number): Float64Array {
    const h = Float64Array.from({ length: 2048 }, (_, k) => f(k));
    h[0] = h[1]!;
    return h;
  }
  const cases: [string, Float64Array, number, number][] = [
    [
      'cubic bulk with far outliers',
      golden((k) =>
        k < 700 ? Math.floor(1e6 * (1 - k / 700) ** 3) : k === 1100 || k === 1500 ? 2 : +(k === 2047),
      ),
      688,
      680,
    ],
    [
      'bell with a long thin tail',
      golden(
        (k) => Math.floor(1e7 / (1 + (k / 150) ** 2) ** 4) + (k === 1600 || k === 1601 || k === 2040 ? 3 : 0),
      ),
      705,
      578,
    ],
    [
      'heavy tail, sparse beyond 1200',
      golden((k) =>
        k < 1300 ? (k < 1200 ? Math.floor(1e6 / (1 + (k / 60) ** 2)) : 0) + (k % 9 ? 0 : 5) : 0,
      ),
      1200,
      1200,
    ],
  ];

  it.each(cases)(
    '%s: the threshold bin of NVIDIA pytorch-quantization _compute_amax_entropy',
    (_n, h, u, s) => {
      // Expected bins computed with pytorch-quantization's function (num_bits 8, unsigned true/false).
      expect(entropyThreshold(h, 1, 256)).toBe(u);
      expect(entropyThreshold(h, 1, 128)).toBe(s);
      // A symmetric tensor (both sides alike) shares 256 levels as 128 per side.
      expect(entropyBins(h, h, 256)).toBe(s);
    },
  );

  it('N(0, 1) without outliers: a symmetric threshold that keeps (at least) the bulk', () => {
    const rand = seeded(6);
    const values = Float32Array.from({ length: 300_000 }, () => gaussian(rand));
    const h = new ValueHistogram();
    for (let s = 0; s < values.length; s += 10_000) h.add(values.subarray(s, s + 10_000));
    const e = estimateRange(h, 'entropy');
    expect(e.max).toBeGreaterThan(3.5);
    expect(e.max).toBeLessThanOrEqual(h.max);
    expect(e.min).toBe(Math.max(h.min, -e.max)); // one threshold for both signs
    expect(kept(values, e)).toBeGreaterThan(0.997);
  });

  it('Laplace with outliers: clips the outliers, keeps more than 99.9% of the values', () => {
    const rand = seeded(7);
    const values = Float32Array.from({ length: 300_000 }, (_, i) =>
      i % 60_000 === 11 ? 80 : i % 60_000 === 12 ? -70 : laplace(rand),
    );
    const h = new ValueHistogram();
    for (let s = 0; s < values.length; s += 10_000) h.add(values.subarray(s, s + 10_000));
    const e = estimateRange(h, 'entropy');
    expect(e.max).toBeLessThan(40);
    expect(e.max).toBeGreaterThan(6);
    expect(e.min).toBe(-e.max);
    expect(kept(values, e)).toBeGreaterThan(0.999);
  });

  it("exact zeros (a ReLU output's spike) do not pull the threshold down", () => {
    const rand = seeded(8);
    const positive = Float32Array.from({ length: 150_000 }, () => Math.abs(gaussian(rand)));
    const withZeros = new Float32Array(450_000);
    withZeros.set(positive); // 300k exact zeros after the positives
    const a = new ValueHistogram();
    a.add(positive);
    const b = new ValueHistogram();
    b.add(withZeros);
    expect(b.width).toBe(a.width);
    const ea = estimateRange(a, 'entropy');
    expect(ea.max).toBeGreaterThan(3);
    expect(estimateRange(b, 'entropy').max).toBe(ea.max);
    expect(b.zeros).toBe(300_000);
  });

  it('normalised 8-bit image: a background spike at the minimum does not clip the bright pixels', () => {
    // Fashion-MNIST-like: half the pixels are background 0, normalised by mean 0.286 / std 0.353,
    // so the background sits at -0.81 and white at +2.02. The old |x| search put the threshold
    // at |min| = 0.81, saturating every pixel brighter than 57% grey.
    const rand = seeded(9);
    const pixel = () => (rand() < 0.5 ? 0 : Math.min(255, Math.floor(256 * Math.sqrt(rand()))));
    const values = Float32Array.from({ length: 200_000 }, () => (pixel() / 255 - 0.286) / 0.353);
    const h = new ValueHistogram();
    for (let s = 0; s < values.length; s += 20_000) h.add(values.subarray(s, s + 20_000));
    const e = estimateRange(h, 'entropy');
    expect(e.min).toBe(h.min);
    expect(e.max).toBeGreaterThan(0.97 * h.max);
    expect(kept(values, e)).toBeGreaterThan(0.999);
    // The mirrored tensor gets the mirrored range.
    const m = new ValueHistogram();
    for (let s = 0; s < values.length; s += 20_000) m.add(values.subarray(s, s + 20_000).map((v) => -v));
    const em = estimateRange(m, 'entropy');
    expect(em.min).toBeCloseTo(-e.max, 9);
    expect(em.max).toBeCloseTo(-e.min, 9);
  });

  it('asymmetric signed tensor (mostly positive, small negative tail): clips only the far positive tail', () => {
    const rand = seeded(10);
    const values = Float32Array.from({ length: 300_000 }, () => {
      const g = gaussian(rand);
      return g < -0.5 ? 0.1 * g : 2 + g; // like a logit of the predicted class over a leaky floor
    });
    const h = new ValueHistogram();
    for (let s = 0; s < values.length; s += 10_000) h.add(values.subarray(s, s + 10_000));
    const e = estimateRange(h, 'entropy');
    expect(e.min).toBe(h.min);
    expect(e.max).toBeGreaterThan(5);
    expect(kept(values, e)).toBeGreaterThan(0.999);
  });

  it('no more occupied bins than int8 levels: nothing is clipped', () => {
    const h = histogramOf(50_000, (i) => (i % 100) / 10 - 3);
    expect(estimateRange(h, 'entropy')).toEqual({ min: h.min, max: h.max });
  });
});

describe('ValueHistogram', () => {
  it('growing by merging bin pairs matches binning every value at the final width', () => {
    const rand = seeded(11);
    const values = Float32Array.from({ length: 60_000 }, (_, i) => gaussian(rand) * (1 + i / 6_000));
    const h = new ValueHistogram(256);
    for (let s = 0; s < values.length; s += 5_000) h.add(values.subarray(s, s + 5_000));
    expect(h.max * 1.0000001).toBeGreaterThan(h.width * 128); // it grew into the upper half
    const pos = new Float64Array(256);
    const neg = new Float64Array(256);
    for (const v of values) {
      const k = Math.min(255, Math.floor(Math.abs(v) / h.width));
      if (v >= 0) pos[k]! += 1;
      else neg[k]! += 1;
    }
    expect(Array.from(h.positive)).toEqual(Array.from(pos));
    expect(Array.from(h.negative)).toEqual(Array.from(neg));
    expect(h.count).toBe(values.length);
  });

  it('counts exact zeros, also before any non-zero value', () => {
    const h = new ValueHistogram(16);
    h.add(new Float32Array(5));
    expect(h.width).toBe(0);
    h.add(Float32Array.from([0, 1, -1, 0.5, 0]));
    expect(h.zeros).toBe(7);
    expect(h.positive[0]).toBe(7);
  });

  it('rejects an odd or non-integer bin count', () => {
    expect(() => new ValueHistogram(255)).toThrow(ConfigError);
    expect(() => new ValueHistogram(0)).toThrow(ConfigError);
    expect(() => new ValueHistogram(10.5)).toThrow(ConfigError);
  });
});
