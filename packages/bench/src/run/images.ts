/**
 * The benchmark images: a seeded subset of a data set's test split (Fashion-MNIST by default),
 * encoded as PNG so that every case measures decode + preprocessing from real image bytes.
 */
import { encodePng, seededPermutation } from '@edgeml/core';
import { loadDataset } from '@edgeml/trainer';
import type { BenchImages } from '../report/types.js';

/** The benchmark images: PNG bytes plus what the report records about them. */
export interface BenchImageSet {
  readonly pngs: readonly Uint8Array[];
  readonly info: BenchImages;
}

/** Draws `count` test images with `seed` (all of the split when count ≥ its size) and encodes them as PNG. */
export async function loadBenchImages(count: number, seed: number): Promise<BenchImageSet> {
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  const split = dataset.split('test');
  const [height, width, channels] = dataset.info.inputShape;
  const total = split.size;
  const indices =
    count >= total
      ? Array.from({ length: total }, (_, i) => i)
      : Array.from(seededPermutation(total, seed).subarray(0, count)).sort((a, b) => a - b);
  const pixels = await split.readPixels(indices);
  const size = height * width * channels;
  const pngs = indices.map((_, i) =>
    encodePng({
      width,
      height,
      channels: channels === 1 ? 1 : 3,
      data: pixels.slice(i * size, (i + 1) * size),
    }),
  );
  return {
    pngs,
    info: {
      dataset: dataset.info.name,
      split: 'test',
      selection:
        indices.length === total
          ? `all ${total} test images`
          : `seeded subset of ${indices.length} of ${total} test images (seed ${seed})`,
      indices,
      labels: indices.map((i) => split.labels[i] ?? -1),
    },
  };
}
