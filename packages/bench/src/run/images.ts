/**
 * The benchmark images: a seeded subset of the test split of the data set the models were trained
 * on (the `dataset` option, else the models' own `manifest.data`, which must agree), encoded as PNG so that
 * every case measures decode + preprocessing from real image bytes. Every model of the run is
 * checked against that data set (classes and input shape): a model trained on other images is a
 * DatasetMismatchError, never an accuracy measured on the wrong pictures.
 */
import { DatasetMismatchError, encodePng, type ModelManifest, seededPermutation } from '@edgeml/core';
import {
  checkDatasetMatchesModel,
  type Dataset,
  datasetOptionsOf,
  type LoadDatasetOptions,
  loadModelDataset,
} from '@edgeml/trainer';
import type { BenchImages } from '../report/types.js';

/** The benchmark images: PNG bytes plus what the report records about them. */
export interface BenchImageSet {
  readonly pngs: readonly Uint8Array[];
  readonly info: BenchImages;
}

/** What identifies a model's data: its data reference's load options and classes (or its legacy training record). */
function dataIdentity(manifest: ModelManifest): string {
  const data = manifest.data;
  if (data === undefined) return JSON.stringify({ training: manifest.training?.dataset ?? null });
  return JSON.stringify({
    options: datasetOptionsOf(data),
    classes: data.classNames,
    shape: data.inputShape,
  });
}

/**
 * The data set of a bench run: `given` (options or a loaded set), else the models' own, which must
 * then be the same for every model (same data set, split and fit: one model's test images may be
 * another's training images); every model is checked against it (classes and input shape).
 */
export async function benchDataset(
  manifests: readonly ModelManifest[],
  given?: LoadDatasetOptions | Dataset,
): Promise<Dataset> {
  const [first] = manifests;
  if (first === undefined) throw new TypeError('benchDataset needs at least one model');
  if (given === undefined) {
    const other = manifests.find((m) => dataIdentity(m) !== dataIdentity(first));
    if (other !== undefined) {
      throw new DatasetMismatchError(
        `models '${first.name}' and '${other.name}' were trained on different data (${first.data?.name ?? first.training?.dataset ?? 'unknown'} and ${other.data?.name ?? other.training?.dataset ?? 'unknown'}, or another split or fit): bench them in separate runs, or name one data set with --dataset/--data-dir`,
        { models: [first.name, other.name] },
      );
    }
  }
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
