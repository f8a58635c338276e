/**
 * The benchmark images: a seeded subset of the test split of the data set the models were trained
 * on (the `dataset` option, else the first model's own `manifest.data`), encoded as PNG so that
 * every case measures decode + preprocessing from real image bytes. Every model of the run is
 * checked against that data set (classes and input shape): a model trained on other images is a
 * DatasetMismatchError, never an accuracy measured on the wrong pictures.
 */
import { encodePng, type ModelManifest, seededPermutation } from '@edgeml/core';
import {
  checkDatasetMatchesModel,
  type Dataset,
  type LoadDatasetOptions,
  loadModelDataset,
} from '@edgeml/trainer';
import type { BenchImages } from '../report/types.js';

/** The benchmark images: PNG bytes plus what the report records about them. */
export interface BenchImageSet {
  readonly pngs: readonly Uint8Array[];
  readonly info: BenchImages;
}

/** The data set of a bench run: `given` (options or a loaded set) or the first model's own; every model checked. */
export async function benchDataset(
  manifests: readonly ModelManifest[],
  given?: LoadDatasetOptions | Dataset,
): Promise<Dataset> {
  const [first] = manifests;
  if (first === undefined) throw new TypeError('benchDataset needs at least one model');
  const dataset =
    given !== undefined && 'split' in given ? given : (await loadModelDataset(first, given)).dataset;
  for (const manifest of manifests) checkDatasetMatchesModel(dataset.info, manifest);
  return dataset;
}

/** Draws `count` test images of `dataset` with `seed` (all of the split when count ≥ its size) as PNG. */
export async function loadBenchImages(dataset: Dataset, count: number, seed: number): Promise<BenchImageSet> {
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
