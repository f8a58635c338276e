import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import type { Batch } from './dataset.js';
import { InMemorySplit } from './memory-split.js';

const store = {
  shape: [1, 1, 2] as const,
  pixels: Uint8Array.from([0, 255, 51, 102, 255, 0, 102, 51, 10, 20]),
  labels: Int32Array.from([0, 1, 2, 3, 4]),
};
const normalization = { mean: [0.2, 0.4], std: [0.5, 0.25] };

async function all(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('InMemorySplit', () => {
  it('reads rows of the shared store and normalises per channel', async () => {
    const split = new InMemorySplit('train', store, Int32Array.from([3, 1, 0]), normalization);
    expect(Array.from(split.labels)).toEqual([3, 1, 0]);
    expect(Array.from(await split.readPixels([1, 0]))).toEqual([51, 102, 102, 51]);
    const [batch] = await all(split.batches({ batchSize: 3 }));
    expect(batch?.shape).toEqual([3, 1, 1, 2]);
    // Row 3 = (102, 51): ((102/255 - 0.2) / 0.5, (51/255 - 0.4) / 0.25) = (0.4, -0.8).
    expect(batch?.x[0]).toBeCloseTo(0.4, 6);
    expect(batch?.x[1]).toBeCloseTo(-0.8, 6);
    expect(Array.from(batch?.y ?? [])).toEqual([3, 1, 0]);
  });

  it('applies limit after the shuffle, drops the remainder and checks options', async () => {
    const split = new InMemorySplit('train', store, Int32Array.from([0, 1, 2, 3, 4]), normalization);
    const sizes = (await all(split.batches({ batchSize: 2 }))).map((b) => b.size);
    expect(sizes).toEqual([2, 2, 1]);
    expect((await all(split.batches({ batchSize: 2, dropRemainder: true }))).map((b) => b.size)).toEqual([
      2, 2,
    ]);
    const shuffled = (await all(split.batches({ batchSize: 5, shuffle: true, seed: 9 })))[0];
    expect(Array.from(shuffled?.indices ?? []).sort()).toEqual([0, 1, 2, 3, 4]);
    const limited = await all(split.batches({ batchSize: 5, shuffle: true, seed: 9, limit: 3 }));
    expect(Array.from(limited[0]?.indices ?? [])).toEqual(Array.from(shuffled?.indices ?? []).slice(0, 3));
    await expect(all(split.batches({ batchSize: 0 }))).rejects.toThrow(ConfigError);
    expect(() => split.readPixelsSync([5])).toThrow(RangeError);
  });
});
