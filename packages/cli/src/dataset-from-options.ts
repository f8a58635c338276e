/**
 * The data set a command reads: its --dataset/--data-dir/... options when given, else (for commands
 * that act on a model) the data set recorded in the model's manifest, checked against the model.
 */
import { type ModelManifest, RESIZE_FITS } from '@edgeml/core';
import {
  type Dataset,
  type LoadDatasetOptions,
  loadDataset,
  loadModelDataset,
  type ModelDataset,
} from '@edgeml/trainer';
import type { OptionValues } from './command.js';
import { choiceOption, intOption, optionalInt, optionalString, stringOption } from './options.js';

/** The loadDataset options that DATASET_OPTIONS values name (Fashion-MNIST when --dataset is absent). */
export function datasetOptionsFrom(values: OptionValues): LoadDatasetOptions {
  const fit = values['fit'] === undefined ? undefined : choiceOption(values, 'fit', RESIZE_FITS, 'stretch');
  return {
    name: stringOption(values, 'dataset', 'fashion-mnist'),
    dir: optionalString(values, 'data-dir'),
    validationSize: optionalInt(values, 'validation-size', { min: 0 }),
    imageSize: optionalInt(values, 'image-size', { min: 1, max: 4096 }),
    seed: intOption(values, 'seed', { min: 0, fallback: 0 }),
    ...(fit !== undefined && { fit }),
  };
}

/** Loads the data set named by DATASET_OPTIONS values. */
export async function loadDatasetFromOptions(values: OptionValues): Promise<Dataset> {
  return loadDataset(datasetOptionsFrom(values));
}

/** True when the user named a data set on the command line (--dataset or --data-dir). */
export function datasetGiven(values: OptionValues): boolean {
  return values['dataset'] !== undefined || values['data-dir'] !== undefined;
}

/**
 * The images for a command on the model of `manifest`: the command's data options when given
 * (--data-dir alone keeps the model's data set name), else the model's own data reference.
 * Throws DatasetMismatchError when the data's classes or shape differ from the model's.
 */
export async function loadDatasetForModel(
  values: OptionValues,
  manifest: ModelManifest,
): Promise<ModelDataset> {
  return loadModelDataset(manifest, datasetOverride(values, manifest));
}

/**
 * The data options the user gave for a command on the model of `manifest`, or undefined when they
 * gave none (the model's own data set is then used). --data-dir alone keeps the model's data set name.
 */
export function datasetOverride(
  values: OptionValues,
  manifest: ModelManifest,
): LoadDatasetOptions | undefined {
  if (!datasetGiven(values)) return undefined;
  if (values['dataset'] !== undefined) return datasetOptionsFrom(values);
  return datasetOptionsFrom({ ...values, dataset: manifest.data?.name ?? manifest.training?.dataset });
}
