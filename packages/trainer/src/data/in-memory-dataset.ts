/**
 * Builds a Dataset from an in-memory PixelStore and the store rows of each split: computes the
 * normalisation over the train split, the per-class counts, and wires up three InMemorySplits.
 */
import { ConfigError, formatAllowed } from '@edgeml/core';
import { type DataSplit, type Dataset, type DatasetInfo, SPLIT_NAMES, type SplitName } from './dataset.js';
import { InMemorySplit, type PixelStore } from './memory-split.js';
import { PixelHistogram } from './normalization.js';
import { countClasses } from './split-plan.js';

/** Everything createInMemoryDataset needs besides the computed facts. */
export interface InMemoryDatasetSpec {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly store: PixelStore;
  /** Store rows of each split. */
  readonly rows: Readonly<Record<SplitName, Int32Array>>;
  readonly dropped: DatasetInfo['dropped'];
  readonly splitPolicy: string;
}

/** A Dataset over an in-memory store; normalisation is computed over the train rows. */
export function createInMemoryDataset(spec: InMemoryDatasetSpec): Dataset {
  const { store, rows, classNames } = spec;
  const [h, w, c] = store.shape;
  const imageBytes = h * w * c;
  const histogram = new PixelHistogram(c);
  const train = rows.train;
  // Histogram in chunks of contiguous rows (train rows are sorted, so runs are long).
  for (let i = 0; i < train.length; ) {
    const start = train[i] ?? 0;
    let end = start + 1;
    i++;
    while (i < train.length && train[i] === end) {
      end++;
      i++;
    }
    histogram.add(store.pixels.subarray(start * imageBytes, end * imageBytes));
  }
  const normalization = histogram.normalization();
  const n = classNames.length;
  const info: DatasetInfo = {
    name: spec.name,
    classNames,
    inputShape: store.shape,
    normalization,
    splitSizes: { train: rows.train.length, validation: rows.validation.length, test: rows.test.length },
    classCounts: {
      train: countClasses(store.labels, rows.train, n),
      validation: countClasses(store.labels, rows.validation, n),
      test: countClasses(store.labels, rows.test, n),
    },
    dropped: spec.dropped,
    splitPolicy: spec.splitPolicy,
  };
  const splits = {
    train: new InMemorySplit('train', store, rows.train, normalization),
    validation: new InMemorySplit('validation', store, rows.validation, normalization),
    test: new InMemorySplit('test', store, rows.test, normalization),
  };
  return { info, split: (name: SplitName) => pickSplit(splits, name) };
}

/** splits[name], or a ConfigError naming the allowed split names. */
export function pickSplit<S extends DataSplit>(splits: Readonly<Record<SplitName, S>>, name: SplitName): S {
  const split = (SPLIT_NAMES as readonly string[]).includes(name) ? splits[name] : undefined;
  if (split === undefined) {
    throw new ConfigError(`split must be ${formatAllowed(SPLIT_NAMES)}, got '${String(name)}'`);
  }
  return split;
}
