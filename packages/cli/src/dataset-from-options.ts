/**
 * The data set a command reads: its --dataset/--data-dir/... options when given, else (for commands
 * that act on a model) the data set recorded in the model's manifest, checked against the model.
 */
import type { ModelManifest } from '@edgeml/core';
import {
  DATASET_OPTIONS as DATASET_OPTION_DECLS,
  type Dataset,
  datasetLoadOptions,
  type LoadDatasetOptions,
  loadDataset,
  loadModelDataset,
  type ModelDataset,
} from '@edgeml/trainer';
import type { OptionValues } from './command.js';
import { declaredOptions, intOption } from './options.js';

/** The loadDataset options that DATASET_OPTIONS values name (Fashion-MNIST when --dataset is absent). */
export function datasetOptionsFrom(values: OptionValues): LoadDatasetOptions {
  return datasetLoadOptions(
    declaredOptions(DATASET_OPTION_DECLS, values, 'data set'),
    intOption(values, 'seed', { min: 0, fallback: 0 }),
  );
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
