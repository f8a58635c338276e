/** A fixed, seeded sample of a split as one normalised NHWC batch (parity checks, calibration). */
import type { Batch, DataSplit } from './dataset.js';

/** `count` images of `split` drawn with a seeded shuffle (all of them when the split is smaller). */
export async function sampleBatch(split: DataSplit, count: number, seed = 0): Promise<Batch> {
  const n = Math.min(count, split.size);
  for await (const batch of split.batches({ batchSize: n, shuffle: true, seed, limit: n })) return batch;
  throw new RangeError(`split '${split.name}' has no images to sample`);
}
