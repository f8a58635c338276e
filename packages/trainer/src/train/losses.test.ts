import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { balancedClassWeights, classificationLoss, perSampleLoss } from './losses.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Hand computations in float64, independent of the tensor code.
const logSoftmax = (z: number[]): number[] => {
  const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
  return z.map((v) => v - lse);
};

function lossOf(
  logits: number[][],
  targets: number[][],
  options: Parameters<typeof classificationLoss>[2] = {},
): number {
  return tf.tidy(() => classificationLoss(tf.tensor2d(logits), tf.tensor2d(targets), options).dataSync()[0]!);
}

describe('classificationLoss', () => {
  it('is softmax cross-entropy on one-hot targets', () => {
    // -log softmax([2, 1, 0])[0] = log(e^2 + e + 1) - 2 = 0.40760596
    expect(lossOf([[2, 1, 0]], [[1, 0, 0]])).toBeCloseTo(0.40760596, 6);
  });

  it('applies label smoothing as (1 - eps) y + eps / K', () => {
    const lp = logSoftmax([2, 1, 0]);
    const eps = 0.1;
    const y = [1 - eps + eps / 3, eps / 3, eps / 3];
    const expected = -(y[0]! * lp[0]! + y[1]! * lp[1]! + y[2]! * lp[2]!);
    expect(expected).toBeCloseTo(0.50760596, 6);
    expect(lossOf([[2, 1, 0]], [[1, 0, 0]], { labelSmoothing: eps })).toBeCloseTo(expected, 6);
  });

  it('computes focal loss -(1 - p_t)^gamma log p_t', () => {
    const p0 = Math.exp(logSoftmax([2, 1, 0])[0]!);
    const expected = (1 - p0) ** 2 * -Math.log(p0);
    expect(expected).toBeCloseTo(0.0456782, 5);
    expect(lossOf([[2, 1, 0]], [[1, 0, 0]], { focalGamma: 2 })).toBeCloseTo(expected, 6);
    // gamma 0 is cross-entropy
    expect(lossOf([[2, 1, 0]], [[1, 0, 0]], { focalGamma: 0 })).toBeCloseTo(0.40760596, 6);
  });

  it('weighs samples by their class weight, normalised by the weight sum', () => {
    const logits = [
      [2, 1, 0],
      [0, 3, 0],
    ];
    const targets = [
      [1, 0, 0],
      [0, 1, 0],
    ];
    const l0 = -logSoftmax(logits[0]!)[0]!;
    const l1 = -logSoftmax(logits[1]!)[1]!;
    const expected = (0.5 * l0 + 2 * l1) / 2.5;
    expect(lossOf(logits, targets, { classWeights: [0.5, 2, 1] })).toBeCloseTo(expected, 6);
    expect(lossOf(logits, targets)).toBeCloseTo((l0 + l1) / 2, 6);
  });

  it('stays finite for huge logits', () => {
    expect(lossOf([[1000, 0, -1000]], [[1, 0, 0]])).toBeCloseTo(0, 6);
    const far = lossOf([[1000, 0, -1000]], [[0, 0, 1]]);
    expect(far).toBeCloseTo(2000, 2);
  });

  it('returns one loss per sample', () => {
    const values = tf.tidy(() =>
      Array.from(
        perSampleLoss(
          tf.tensor2d([
            [0, 0],
            [5, 0],
          ]),
          tf.tensor2d([
            [1, 0],
            [1, 0],
          ]),
        ).dataSync(),
      ),
    );
    expect(values[0]).toBeCloseTo(Math.log(2), 6);
    expect(values[1]).toBeCloseTo(Math.log(1 + Math.exp(-5)), 6);
  });
});

describe('balancedClassWeights', () => {
  it('gives n / (k * n_c) and 0 to absent classes', () => {
    const w = balancedClassWeights([6, 1, 1, 0]);
    expect(w[0]).toBeCloseTo(8 / 18, 10);
    expect(w[1]).toBeCloseTo(8 / 3, 10);
    expect(w[2]).toBeCloseTo(8 / 3, 10);
    expect(w[3]).toBe(0);
  });
});
