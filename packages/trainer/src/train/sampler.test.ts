import { describe, expect, it } from 'vitest';
import { classCounts, epochOrder, readBatch, trainingPool } from './sampler.js';
import { toySplit } from './testing/toy-dataset.js';

describe('sampler', () => {
  const split = toySplit('train', 30, 1, [0, 0, 0, 0, 1, 2]);

  it('uses a fixed seeded subset with limit', () => {
    const a = trainingPool(split, 5, 12);
    expect(a.length).toBe(12);
    expect(new Set(a).size).toBe(12);
    expect(trainingPool(split, 5, 12)).toEqual(a);
    expect(trainingPool(split, 5, null).length).toBe(30);
  });

  it('shuffles differently per epoch, reproducibly', () => {
    const pool = trainingPool(split, 0, null);
    const e0 = epochOrder(pool, split.labels, 0, 0, false);
    const e1 = epochOrder(pool, split.labels, 0, 1, false);
    expect([...e0].sort((a, b) => a - b)).toEqual([...pool]);
    expect(e0).not.toEqual(e1);
    expect(epochOrder(pool, split.labels, 0, 1, false)).toEqual(e1);
  });

  it('oversamples to balanced classes', () => {
    const pool = trainingPool(split, 0, null);
    expect(classCounts(split.labels, pool, 3)).toEqual([20, 5, 5]);
    const counts = [0, 0, 0];
    for (let epoch = 0; epoch < 20; epoch++) {
      const order = epochOrder(pool, split.labels, 0, epoch, true);
      expect(order.length).toBe(30);
      for (const i of order) counts[split.labels[i]!]! += 1;
    }
    for (const c of counts) expect(c / 600).toBeCloseTo(1 / 3, 1);
  });

  it('normalises like the data set does', async () => {
    const indices = Int32Array.from([3, 0, 7]);
    const mine = await readBatch(split, indices, [8, 8, 1], { mean: [0.3], std: [0.35] });
    const theirs = await split.batches({ batchSize: 30 })[Symbol.asyncIterator]().next();
    const all = theirs.value!.x;
    indices.forEach((j, i) => {
      expect(mine.x.subarray(i * 64, i * 64 + 64)).toEqual(all.subarray(j * 64, j * 64 + 64));
    });
    expect(Array.from(mine.y)).toEqual([3, 0, 7].map((j) => split.labels[j]));
  });
});
