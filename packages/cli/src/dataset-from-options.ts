/**
 * The data set a command reads: its --dataset/--data-dir/... options when given, else (for commands
 * that act on a model) the data set recorded in the model's manifest, checked against the model.
 */
import { ConfigError, type ModelManifest, optionFlag, optionsFromFlags, readOptions } from '@edgeml/core';
import {
  DATASET_OPTIONS as DATASET_OPTION_DECLS,
  type Dataset,
  datasetLoadOptions,
  datasetOptionsOf,
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

/** True when the user gave any data-set option (--dataset, --data-dir, --seed, ...). */
export function datasetGiven(values: OptionValues): boolean {
  return (
    values['seed'] !== undefined ||
    Object.entries(DATASET_OPTION_DECLS).some(([key, decl]) => values[optionFlag(key, decl)] !== undefined)
  );
}

/**
 * The images for a command on the model of `manifest`: the model's own data reference, with the
 * data-set options the user gave laid over it (see datasetOverride).
 * Throws DatasetMismatchError when the data's classes or shape differ from the model's.
 */
export async function loadDatasetForModel(
  values: OptionValues,
  manifest: ModelManifest,
): Promise<ModelDataset> {
  return loadModelDataset(manifest, datasetOverride(values, manifest));
}

/**
 * The data options for a command on the model of `manifest`, or undefined when the user gave none
 * (the model's own data set is then used as recorded). Options the user gave are laid over the
 * model's own (its seed, validation size, test fraction, image size, fit) when they name the same
 * data set (or only move its directory), so a model's test split stays its test split; another data
 * set starts from its defaults.
 */
export function datasetOverride(
  values: OptionValues,
  manifest: ModelManifest,
): LoadDatasetOptions | undefined {
  if (!datasetGiven(values)) return undefined;
  // Each given flag checked first by its declaration, so that a bad one is named as typed
  // (`'perClass' must be an integer >= 1 or null, got "NaN" (--per-class)`).
  declaredOptions(DATASET_OPTION_DECLS, values, 'data set');
  const given = optionsFromFlags(DATASET_OPTION_DECLS, values);
  const seed = intOption(values, 'seed', { min: 0, fallback: 0 });
  const recorded = manifest.data?.name ?? manifest.training?.dataset;
  const name = (given['name'] as string | undefined) ?? recorded;
  if (name === undefined) {
    throw new ConfigError(
      `model '${manifest.name}' records no data set; name one with --dataset (and --data-dir)`,
      { model: manifest.name },
    );
  }
  const checked = readOptions(DATASET_OPTION_DECLS, { ...given, name }, 'data set');
  const fromFlags = datasetLoadOptions(checked, seed) as unknown as Record<string, unknown>;
  const overlay: Record<string, unknown> = { name };
  for (const key of Object.keys(given)) overlay[key] = key === 'fit' ? checked.fit : fromFlags[key];
  if (values['seed'] !== undefined) overlay['seed'] = seed;
  const base =
    manifest.data !== undefined && manifest.data.name === name ? datasetOptionsOf(manifest.data) : { seed };
  return { ...base, ...overlay } as LoadDatasetOptions;
}
