import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type ScheduleConfig } from './config.js';
import { LearningRateSchedule } from './schedule.js';

const base = DEFAULT_TRAIN_CONFIG.schedule;
const make = (over: Partial<ScheduleConfig>, epochs = 10, steps = 10) =>
  new LearningRateSchedule({ ...base, ...over }, 0.1, epochs, steps);

describe('LearningRateSchedule', () => {
  it('constant keeps the base rate', () => {
    const s = make({ name: 'constant' });
    expect(s.lrAt(0, 0)).toBe(0.1);
    expect(s.lrAt(9, 9)).toBe(0.1);
  });

  it('warms up linearly, counted in steps', () => {
    const s = make({ name: 'constant', warmupEpochs: 1 });
    expect(s.lrAt(0, 0)).toBeCloseTo(0.01, 12);
    expect(s.lrAt(0, 4)).toBeCloseTo(0.05, 12);
    expect(s.lrAt(0, 9)).toBeCloseTo(0.1, 12);
    expect(s.lrAt(1, 0)).toBe(0.1);
  });

  it('cosine anneals from lr after the warm-up to minLr at the last step', () => {
    const s = make({ name: 'cosine', warmupEpochs: 1, minLr: 0.001 });
    expect(s.lrAt(1, 0)).toBeCloseTo(0.1, 12);
    expect(s.lrAt(9, 9)).toBeCloseTo(0.001, 12);
    // half-way through the 90 annealing steps: (lr + minLr) / 2
    const mid = 10 + 89 / 2;
    const progress = (Math.floor(mid) - 10) / 89;
    const expected = 0.001 + (0.1 - 0.001) * 0.5 * (1 + Math.cos(Math.PI * progress));
    expect(s.lrAt(Math.floor(mid / 10), Math.floor(mid) % 10)).toBeCloseTo(expected, 12);
    let previous = Number.POSITIVE_INFINITY;
    for (let e = 1; e < 10; e++) {
      for (let k = 0; k < 10; k++) {
        const lr = s.lrAt(e, k);
        expect(lr).toBeLessThanOrEqual(previous);
        previous = lr;
      }
    }
  });

  it('step multiplies by gamma every stepSize epochs', () => {
    const s = make({ name: 'step', stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 5, 6, 9].map((e) => s.lrAt(e, 5))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });

  it('plateau reduces after patience epochs without improvement, down to minLr, and saves its state', () => {
    const s = make({ name: 'plateau', patience: 1, factor: 0.5, minLr: 0.03, threshold: 0 });
    const lrs: number[] = [];
    for (const loss of [1, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7]) {
      s.endEpoch(loss);
      lrs.push(s.lrAt(5, 0));
    }
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.03, 0.03, 0.03]);
    const copy = make({ name: 'plateau', patience: 1, factor: 0.5, minLr: 0.03, threshold: 0 });
    copy.setState(JSON.parse(JSON.stringify(s.getState())));
    expect(copy.lrAt(5, 0)).toBe(0.03);
    expect(copy.getState()).toEqual(s.getState());
  });
});
