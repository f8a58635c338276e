import { beforeAll, describe, expect, it } from 'vitest';
import { activationTensors, collectHistograms, rangesFromHistograms } from './calibrate.js';
import type { ValueHistogram } from './histogram.js';
import { CALIBRATION_METHODS } from './range-estimators.js';
import { type QuantFixture, quantFixture } from './testing-fixture.js';

describe('calibrate on cnn-small (seeded weights, Fashion-MNIST normalised by mean and std)', () => {
  let f: QuantFixture;
  let histograms: Map<string, ValueHistogram>;
  beforeAll(async () => {
    f = await quantFixture('cnn-small', 128, 8);
    histograms = await collectHistograms(f.graph, f.calibration);
  });

  it('histograms every activation tensor with all its values', () => {
    expect([...histograms.keys()]).toEqual(activationTensors(f.graph));
    const input = histograms.get(f.graph.inputs[0]!)!;
    expect(input.count).toBe(f.calibration.x.length);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of f.calibration.x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([input.min, input.max]).toEqual([lo, hi]);
    expect(input.min).toBeLessThan(-0.8); // the background pixels
    for (const name of ['conv1_relu', 'conv2_relu', 'fc1_relu']) {
      const h = histograms.get(name)!;
      expect(h.min).toBe(0);
      expect(h.zeros).toBeGreaterThan(0);
    }
  });

  it.each(CALIBRATION_METHODS)('%s: every range lies within the observed values and holds 0', (method) => {
    const ranges = rangesFromHistograms(histograms, method);
    for (const [name, h] of histograms) {
      const r = ranges[name]!;
      expect(r.min).toBeGreaterThanOrEqual(h.min);
      expect(r.max).toBeLessThanOrEqual(h.max);
      expect(r.min).toBeLessThanOrEqual(Math.max(0, h.min));
      expect(r.max).toBeGreaterThanOrEqual(Math.min(0, h.max));
    }
  });

  it('entropy keeps the whole input range (the |x| search clipped it at the background level)', () => {
    const input = histograms.get(f.graph.inputs[0]!)!;
    const entropy = rangesFromHistograms(histograms, 'entropy')[f.graph.inputs[0]!]!;
    expect(entropy.min).toBe(input.min);
    expect(entropy.max).toBeGreaterThan(0.97 * input.max);
  });
});
