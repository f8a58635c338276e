/** Loads the data set that a command's --dataset/--data-dir/... options name. */
import { type Dataset, loadDataset } from '@edgeml/trainer';
import type { OptionValues } from './command.js';
import { intOption, optionalInt, optionalString, stringOption } from './options.js';

/** Loads the data set named by DATASET_OPTIONS values. */
export async function loadDatasetFromOptions(values: OptionValues): Promise<Dataset> {
  return loadDataset({
    name: stringOption(values, 'dataset', 'fashion-mnist'),
    dir: optionalString(values, 'data-dir'),
    validationSize: optionalInt(values, 'validation-size', { min: 0 }),
    imageSize: optionalInt(values, 'image-size', { min: 1, max: 4096 }),
    seed: intOption(values, 'seed', { min: 0, fallback: 0 }),
  });
}
