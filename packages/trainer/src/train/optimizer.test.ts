import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type OptimizerConfig } from './config.js';
import { TrainingOptimizer } from './optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = (over: Partial<OptimizerConfig>): OptimizerConfig => ({
  ...DEFAULT_TRAIN_CONFIG.optimizer,
  ...over,
});

/** Runs `steps` updates on loss sum((w - target)^2) and returns the final weights. */
function descend(opt: TrainingOptimizer, init: number[][], steps: number, lr: number): number[] {
  const w = tf.variable(tf.tensor2d(init));
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => w.sub(3).square().sum() as tf.Scalar, [w]);
      opt.apply([{ key: 0, variable: w }], [grads[w.name]!], lr);
    });
  }
  const out = Array.from(w.dataSync());
  w.dispose();
  opt.dispose();
  return out;
}

describe('TrainingOptimizer', { timeout: 60_000 }, () => {
  it('adam matches tf.train.adam', () => {
    const ours = descend(new TrainingOptimizer(config({ name: 'adam', epsilon: 1e-7 })), [[1, -2]], 20, 0.05);
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 20; i++) ref.minimize(() => w.sub(3).square().sum() as tf.Scalar, false, [w]);
    const theirs = Array.from(w.dataSync());
    ref.dispose();
    w.dispose();
    // tf.train.adam accumulates beta^t in float32 tensors, we in float64: float32-rounding apart.
    ours.forEach((v, i) => {
      expect(Math.abs(v - theirs[i]!)).toBeLessThan(2e-5);
    });
  });

  it('adam + L2 decay is rescaled by the adaptive step, AdamW decay is not', () => {
    // With a zero loss gradient, coupled L2 makes the gradient wd * w, which Adam normalises
    // to a full step of lr; AdamW shrinks w by (1 - lr * wd) only.
    const lr = 0.1;
    const wd = 0.01;
    const run = (name: 'adam' | 'adamw') => {
      const opt = new TrainingOptimizer(config({ name, weightDecay: wd }));
      const kernel = tf.variable(tf.tensor2d([[1, -1]]));
      const bias = tf.variable(tf.tensor1d([1]));
      opt.apply(
        [
          { key: 0, variable: kernel },
          { key: 1, variable: bias },
        ],
        [tf.zeros([1, 2]), tf.zeros([1])],
        lr,
      );
      const out = {
        kernel: Array.from(kernel.dataSync()),
        bias: Array.from(bias.dataSync()),
        slots: opt.getSlots().length,
      };
      kernel.dispose();
      bias.dispose();
      opt.dispose();
      return out;
    };
    const l2 = run('adam');
    const decoupled = run('adamw');
    expect(l2.kernel[0]).toBeCloseTo(1 - lr, 5);
    expect(l2.kernel[1]).toBeCloseTo(-1 + lr, 5);
    expect(decoupled.kernel[0]).toBeCloseTo(1 - lr * wd, 6);
    expect(decoupled.kernel[1]).toBeCloseTo(-1 + lr * wd, 6);
    // Biases are never decayed.
    expect(l2.bias).toEqual([1]);
    expect(decoupled.bias).toEqual([1]);
    expect(l2.slots).toBe(4);
  });

  it('AdamW and Adam + L2 end at different points on a toy problem', () => {
    const a = descend(new TrainingOptimizer(config({ name: 'adam', weightDecay: 0.5 })), [[0, 0]], 200, 0.05);
    const b = descend(
      new TrainingOptimizer(config({ name: 'adamw', weightDecay: 0.5 })),
      [[0, 0]],
      200,
      0.05,
    );
    // Minimum of (w-3)^2 + wd/2 * w^2 style pull: both below 3, but by different amounts.
    expect(a[0]!).toBeLessThan(3);
    expect(b[0]!).toBeLessThan(3);
    expect(Math.abs(a[0]! - b[0]!)).toBeGreaterThan(0.05);
    // Coupled L2 with wd=0.5 on (w-3)^2: gradient 2(w-3) + 0.5 w = 0 at w = 2.4.
    expect(a[0]!).toBeCloseTo(2.4, 1);
  });

  it('sgd with momentum and nesterov follows the hand-computed steps', () => {
    // loss w^2 (gradient 2w), w0 = 1, lr 0.1, momentum 0.9
    const run = (nesterov: boolean) => {
      const opt = new TrainingOptimizer(config({ name: 'sgd', momentum: 0.9, nesterov }));
      const w = tf.variable(tf.tensor1d([1]));
      const values: number[] = [];
      for (let i = 0; i < 2; i++) {
        tf.tidy(() => opt.apply([{ key: 0, variable: w }], [w.mul(2)], 0.1));
        values.push(w.dataSync()[0]!);
      }
      w.dispose();
      opt.dispose();
      return values;
    };
    const plain = run(false);
    expect(plain[0]).toBeCloseTo(0.8, 6); // buf 2
    expect(plain[1]).toBeCloseTo(0.46, 6); // buf 0.9*2 + 1.6 = 3.4
    const nesterov = run(true);
    expect(nesterov[0]).toBeCloseTo(0.62, 6); // 2 + 0.9*2 = 3.8
    // step 2: g = 1.24, buf = 1.8 + 1.24 = 3.04, d = 1.24 + 0.9*3.04 = 3.976
    expect(nesterov[1]).toBeCloseTo(0.62 - 0.3976, 6);
  });

  it('restores its slots and step exactly', () => {
    const a = new TrainingOptimizer(config({ name: 'adam' }));
    const w = tf.variable(tf.tensor2d([[1, 2]]));
    tf.tidy(() => a.apply([{ key: 3, variable: w }], [tf.tensor2d([[0.5, -1]])], 0.1));
    const b = new TrainingOptimizer(config({ name: 'adam' }));
    b.setState(a.step, a.getSlots());
    expect(b.step).toBe(1);
    expect(b.getSlots().map((s) => s.name)).toEqual(['3/m', '3/v']);
    const w2 = tf.variable(w.clone());
    tf.tidy(() => a.apply([{ key: 3, variable: w }], [tf.tensor2d([[0.1, 0.2]])], 0.1));
    tf.tidy(() => b.apply([{ key: 3, variable: w2 }], [tf.tensor2d([[0.1, 0.2]])], 0.1));
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    for (const x of [a, b]) x.dispose();
    w.dispose();
    w2.dispose();
  });
});
