/**
 * The data-set options, declared once: the commands' --dataset/--data-dir/--validation-size/
 * --image-size/--fit/--classes/--per-class flags and the pipeline's `dataset` keys are derived from them.
 */
import { type OptionDecls, type OptionsOf, RESIZE_FITS } from '@edgeml/core';
import { parseClassList } from './class-subset.js';
import { DATASET_NAMES, type LoadDatasetOptions } from './registry.js';

/** Which data set to load and how (the seed is a separate, shared option). */
export const DATASET_OPTIONS = {
  name: {
    kind: 'choice',
    values: DATASET_NAMES,
    default: 'fashion-mnist',
    flag: 'dataset',
    placeholder: 'NAME',
    description:
      "data set: 'fashion-mnist', 'mnist', 'cifar10' (built in) or 'image-folder' (a directory); commands on a model default to the data set it was trained on",
  },
  dir: {
    kind: 'string',
    nullable: true,
    default: null,
    flag: 'data-dir',
    placeholder: 'DIR',
    description: 'directory of an image-folder data set, or of a cifar10 copy (binary batches)',
  },
  validationSize: {
    kind: 'integer',
    min: 0,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'images carved from the training pool for validation (null: 10% of the pool)',
  },
  imageSize: {
    kind: 'integer',
    min: 1,
    max: 4096,
    nullable: true,
    default: null,
    placeholder: 'PX',
    description:
      "resize images to PX x PX (null: the data set's own size; image folders: the most common size)",
  },
  fit: {
    kind: 'choice',
    values: RESIZE_FITS,
    default: 'stretch',
    placeholder: 'FIT',
    description:
      "image folders: 'stretch', or 'center-crop' (shorter side resized, centre cropped) for other aspect ratios",
  },
  classes: {
    kind: 'string',
    nullable: true,
    default: null,
    placeholder: 'LIST',
    description:
      "keep only these classes, relabelled 0..k-1 in this order: indices and ranges, e.g. '0-4' or '5,7,9' (null: all)",
  },
  perClass: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'keep at most N training images per class, a seeded choice (null: all)',
  },
} as const satisfies OptionDecls;

/** Validated DATASET_OPTIONS values. */
export type DatasetOptionValues = OptionsOf<typeof DATASET_OPTIONS>;

/** loadDataset's options for `values` and the split `seed`. */
export function datasetLoadOptions(values: DatasetOptionValues, seed: number): LoadDatasetOptions {
  return {
    name: values.name,
    ...(values.dir !== null && { dir: values.dir }),
    ...(values.validationSize !== null && { validationSize: values.validationSize }),
    ...(values.imageSize !== null && { imageSize: values.imageSize }),
    ...(values.fit !== 'stretch' && { fit: values.fit }),
    ...(values.classes !== null && { classes: parseClassList(values.classes) }),
    ...(values.perClass !== null && { perClass: values.perClass }),
    seed,
  };
}
