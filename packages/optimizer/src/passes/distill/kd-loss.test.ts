import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillationLoss, softTargetKl } from './kd-loss.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function softmax(z: number[], t = 1): number[] {
  const m = Math.max(...z.map((v) => v / t));
  const e = z.map((v) => Math.exp(v / t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('distillationLoss', () => {
  it('equals alpha T^2 KL(p_t^T || p_s^T) + (1 - alpha) CE computed by hand', () => {
    const zs = [
      [1, 2, 0.5],
      [0, -1, 3],
    ];
    const zt = [
      [2, 1, 0],
      [0.5, 0, 2],
    ];
    const y = [1, 2];
    const T = 4;
    const alpha = 0.7;
    let kl = 0;
    let ce = 0;
    for (let i = 0; i < 2; i++) {
      const pt = softmax(zt[i]!, T);
      const ps = softmax(zs[i]!, T);
      kl += pt.reduce((a, p, c) => a + p * Math.log(p / ps[c]!), 0) / 2;
      ce += -Math.log(softmax(zs[i]!)[y[i]!]!) / 2;
    }
    const expected = alpha * T * T * kl + (1 - alpha) * ce;
    const targets = tf.oneHot(tf.tensor1d(y, 'int32'), 3).toFloat() as tf.Tensor2D;
    const loss = distillationLoss(tf.tensor2d(zs), tf.tensor2d(zt), targets, { temperature: T, alpha });
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 6);
    // The same numbers worked out independently (Python, float64): KL 0.0244726, CE 0.2651263.
    expect(kl).toBeCloseTo(0.0244726, 6);
    expect(ce).toBeCloseTo(0.2651263, 6);
    expect(loss.dataSync()[0]).toBeCloseTo(0.3536306, 5);
  });

  it('is zero in the soft term when student and teacher agree, and alpha 0 is plain cross-entropy', () => {
    const z = tf.tensor2d([[3, -1, 0.2]]);
    expect(softTargetKl(z, z, 2).dataSync()[0]).toBeCloseTo(0, 7);
    const targets = tf.tensor2d([[0, 0, 1]]);
    const ce = -Math.log(softmax([3, -1, 0.2])[2]!);
    const loss = distillationLoss(z, tf.tensor2d([[0, 5, 0]]), targets, { temperature: 3, alpha: 0 });
    expect(loss.dataSync()[0]).toBeCloseTo(ce, 6);
  });
});
