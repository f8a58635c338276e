// @edgeml/trainer: data sets, the model zoo, the training loop and backend selection.

export type {
  Batch,
  BatchOptions,
  DataSplit,
  Dataset,
  DatasetInfo,
  InputShape,
  Normalization,
  SplitName,
} from './data/dataset.js';
export { SPLIT_NAMES } from './data/dataset.js';
