/**
 * Which training images each epoch sees, and in what order. The pool is the whole training split
 * or, with `limit`, the first N images of a permutation seeded by the config's seed (fixed across
 * epochs). Each epoch's order is a permutation seeded by (seed, epoch), so it does not depend on
 * any state and a resumed run sees the same order. With `oversample`, an epoch draws as many
 * images as the pool holds, class-balanced with replacement. Batches are read as raw pixels and
 * normalised here as (pixel / 255 - mean) / std, the Dataset contract.
 */
import { SeededRandom, seededPermutation } from '@edgeml/core';
import type { Batch, DataSplit, Normalization } from '../data/dataset.js';

/** The training pool: split indices used for training (all, or a seeded subset of `limit`). */
export function trainingPool(split: DataSplit, seed: number, limit: number | null): Int32Array {
  if (limit === null || limit >= split.size) {
    const all = new Int32Array(split.size);
    for (let i = 0; i < split.size; i++) all[i] = i;
    return all;
  }
  return seededPermutation(split.size, seed ^ 0x5eed).slice(0, limit);
}

/** Images per class among `indices`. */
export function classCounts(labels: Int32Array, indices: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const i of indices) {
    const label = labels[i]!;
    if (label >= 0 && label < numClasses) counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** A seed for epoch `epoch` derived from the run's seed (a cheap integer hash). */
export function epochSeed(seed: number, epoch: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The split indices of epoch `epoch` (0-based), in training order. */
export function epochOrder(
  pool: Int32Array,
  labels: Int32Array,
  seed: number,
  epoch: number,
  oversample: boolean,
): Int32Array {
  const rng = new SeededRandom(epochSeed(seed, epoch));
  if (!oversample) return rng.shuffle(pool.slice());
  const byClass = new Map<number, number[]>();
  for (const i of pool) {
    const label = labels[i]!;
    let members = byClass.get(label);
    if (members === undefined) {
      members = [];
      byClass.set(label, members);
    }
    members.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const order = new Int32Array(pool.length);
  for (let k = 0; k < order.length; k++) {
    const members = byClass.get(classes[rng.int(classes.length)]!)!;
    order[k] = members[rng.int(members.length)]!;
  }
  return order;
}

/** Reads the images at `indices` and normalises them into a batch. */
export async function readBatch(
  split: DataSplit,
  indices: Int32Array,
  inputShape: readonly [number, number, number],
  normalization: Normalization,
): Promise<Batch> {
  const [h, w, c] = inputShape;
  const pixels = await split.readPixels(indices);
  const x = new Float32Array(pixels.length);
  const mean = Array.from({ length: c }, (_, ch) => normalization.mean[ch] ?? 0);
  const std = Array.from({ length: c }, (_, ch) => normalization.std[ch] ?? 1);
  for (let p = 0; p < pixels.length; p++) {
    const ch = p % c;
    x[p] = (pixels[p]! / 255 - mean[ch]!) / std[ch]!;
  }
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) y[i] = split.labels[indices[i]!]!;
  return { x, y, size: indices.length, shape: [indices.length, h, w, c], indices };
}
