import { describe, expect, it } from 'vitest';
import {
  activationParams,
  dequantizeTensor,
  quantizeBias,
  quantizeTensor,
  quantizeWeights,
  roundHalfToEven,
} from './quant-math.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('int8 quantisation arithmetic', () => {
  it('rounds half to even like ONNX QuantizeLinear', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6].map(roundHalfToEven)).toEqual([0, 2, 2, -0, -2, 2, -3]);
  });

  it('keeps |x - dq(q(x))| <= scale / 2 inside the range, for asymmetric activations', () => {
    const rand = seeded(1);
    for (const [min, max] of [
      [-1, 3],
      [0, 6],
      [-5, -1],
      [0.5, 2],
    ] as const) {
      const q = activationParams({ min, max });
      const s = q.scale[0]!;
      expect(q.zeroPoint[0]).toBeGreaterThanOrEqual(-128);
      expect(q.zeroPoint[0]).toBeLessThanOrEqual(127);
      const lo = Math.min(min, 0);
      const hi = Math.max(max, 0);
      const x = Float32Array.from({ length: 10_000 }, () => lo + rand() * (hi - lo));
      const back = dequantizeTensor(quantizeTensor(x, q), q);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - back[i]!));
      expect(worst).toBeLessThanOrEqual(s / 2 + 1e-6 * hi);
      // Zero is exact, and a ReLU range puts the zero point at -128.
      expect(dequantizeTensor(quantizeTensor(new Float32Array([0]), q), q)[0]).toBeCloseTo(0, 6);
    }
    expect(activationParams({ min: 0, max: 6 }).zeroPoint[0]).toBe(-128);
  });

  it('quantises weights symmetrically per output channel (zero point 0, [-127, 127]) or per tensor', () => {
    const rand = seeded(2);
    const shape = [3, 3, 4, 5];
    const w = Float32Array.from({ length: 180 }, (_, i) => (rand() - 0.5) * (1 + (i % 5)));
    const perChannel = quantizeWeights(w, shape, 5);
    expect(perChannel.params.scale).toHaveLength(5);
    expect(perChannel.params.zeroPoint).toEqual([0, 0, 0, 0, 0]);
    expect(perChannel.params.axis).toBe(3);
    expect(Math.min(...perChannel.data)).toBeGreaterThanOrEqual(-127);
    const back = dequantizeTensor(perChannel.data, perChannel.params);
    for (let i = 0; i < w.length; i++) {
      expect(Math.abs(w[i]! - back[i]!)).toBeLessThanOrEqual(perChannel.params.scale[i % 5]! / 2 + 1e-7);
    }
    // Each channel's largest magnitude maps to +-127.
    for (let c = 0; c < 5; c++) {
      let m = 0;
      for (let i = c; i < w.length; i += 5) m = Math.max(m, Math.abs(perChannel.data[i]!));
      expect(m).toBe(127);
    }
    const perTensor = quantizeWeights(w, shape, 1);
    expect(perTensor.params.scale).toHaveLength(1);
    expect(perTensor.params.axis).toBeUndefined();
  });

  it('gives int32 biases the scale inputScale * weightScale', () => {
    const b = quantizeBias(new Float32Array([0.5, -0.25]), 0.1, [0.01, 0.02]);
    expect(b.params.scale[0]).toBeCloseTo(0.001, 12);
    expect(b.params.scale[1]).toBeCloseTo(0.002, 12);
    expect(Array.from(b.data)).toEqual([500, -125]);
  });
});
