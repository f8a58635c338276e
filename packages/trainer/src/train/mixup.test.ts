import { SeededRandom } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { mixupBatch, sampleBeta, sampleGamma } from './mixup.js';

describe('Beta sampling', () => {
  it('has the right means', () => {
    const rng = new SeededRandom(42);
    const n = 4000;
    let g = 0;
    let b = 0;
    let bSkew = 0;
    for (let i = 0; i < n; i++) {
      g += sampleGamma(0.4, rng);
      b += sampleBeta(0.4, 0.4, rng);
      bSkew += sampleBeta(2, 6, rng);
    }
    expect(g / n).toBeCloseTo(0.4, 1);
    expect(b / n).toBeCloseTo(0.5, 1);
    expect(bSkew / n).toBeCloseTo(0.25, 1);
  });
});

describe('mixupBatch', () => {
  it('blends images and targets with one lambda and a permutation', () => {
    const x = Float32Array.from([0, 0, 10, 10, 20, 20]); // 3 images of 2 values
    const y = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const { x: mx, y: my, lambda } = mixupBatch(x, y, 3, 0.4, new SeededRandom(3));
    expect(lambda).toBeGreaterThanOrEqual(0);
    expect(lambda).toBeLessThanOrEqual(1);
    for (let i = 0; i < 3; i++) {
      const row = Array.from(my.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // The mixed image's value tells which partner j it was mixed with: v = lam*10i + (1-lam)*10j.
      const j = (mx[i * 2]! - lambda * 10 * i) / (1 - lambda) / 10;
      if (lambda < 0.999) expect(Math.round(j)).toBeCloseTo(j, 3);
      expect(row[i]).toBeGreaterThanOrEqual(lambda - 1e-6);
    }
    const again = mixupBatch(x, y, 3, 0.4, new SeededRandom(3));
    expect(again.x).toEqual(mx);
  });
});
