// @edgeml/trainer: data sets, the model zoo, the training loop and backend selection.

export {
  BACKEND_NAMES,
  type BackendName,
  type BackendRequest,
  installHint,
  registerWasmTrainingKernels,
  type SelectBackendOptions,
  type SelectedBackend,
  type SkippedBackend,
  selectBackend,
  WASM_TRAINING_KERNEL_NAMES,
} from './backends/index.js';
export { CIFAR10_CLASSES, type Cifar10Options, loadCifar10, readCifarBatch } from './data/cifar10.js';
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
export {
  DATASET_OPTIONS,
  type DatasetOptionValues,
  datasetLoadOptions,
} from './data/dataset-options.js';
export {
  checkDatasetMatchesModel,
  type DatasetOrigin,
  datasetForModel,
  datasetOptionsOf,
  datasetReference,
  loadModelDataset,
  type ModelDataset,
  modelDatasetOptions,
} from './data/dataset-reference.js';
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_TEST_PER_CLASS,
  type FashionMnistOptions,
  loadFashionMnist,
} from './data/fashion-mnist.js';
export { DEFAULT_TEST_FRACTION, type ImageFolderOptions, loadImageFolder } from './data/image-folder.js';
export { createInMemoryDataset, type InMemoryDatasetSpec } from './data/in-memory-dataset.js';
export { InMemorySplit, type PixelStore } from './data/memory-split.js';
export { loadMnist, MNIST_CLASSES, MNIST_TEST_FRACTION, type MnistOptions } from './data/mnist.js';
export { computeNormalization } from './data/normalization.js';
export { type PreviewOptions, renderPreviewGrid } from './data/preview.js';
export { DATASET_NAMES, type DatasetName, type LoadDatasetOptions, loadDataset } from './data/registry.js';
export { renormalizeDataset, renormalizeSplit, sameNormalization } from './data/renormalize.js';
export { type ReshapeOptions, reshapeDataset } from './data/reshaped-dataset.js';
export { sampleBatch } from './data/sample.js';
export { defaultCacheDir } from './data/source-cache.js';
export { isSoftmaxLayer, logitsLayer, logitsModel, numClassesOf } from './model/logits.js';
export {
  type TrainPackageInput,
  type TrainPackageResult,
  type TrainSummary,
  trainPackage,
} from './package/train-package.js';
export {
  type LoadedTrainedPackage,
  loadTrainedPackage,
  preprocessingFor,
  TFJS_MODEL_PATH,
  type TrainedPackageInput,
  trainedModelFiles,
  writeTrainedPackage,
} from './package/trained-package.js';
export { augmentBatch, horizontalFlip, randomCrop, randomResizedCrop } from './train/augment.js';
export {
  type CheckpointState,
  hashTrainConfig,
  type LoadedCheckpoint,
  listCheckpoints,
  loadLatestCheckpoint,
} from './train/checkpoint.js';
export {
  type AugmentConfig,
  DEFAULT_EARLY_STOPPING,
  DEFAULT_RANDOM_RESIZED_CROP,
  DEFAULT_TRAIN_CONFIG,
  type EarlyStoppingConfig,
  type LossConfig,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  type OptimizerName,
  SCHEDULE_NAMES,
  type ScheduleConfig,
  type ScheduleName,
  type TrainConfig,
  type TrainConfigInput,
} from './train/config.js';
export { type EvaluateOptions, type EvaluationResult, evaluate } from './train/evaluate.js';
export type { AfterStepHook, LossContext, LossFunction, StepInfo } from './train/hooks.js';
export { balancedClassWeights, classificationLoss, type LossOptions, perSampleLoss } from './train/losses.js';
export { mixupBatch, sampleBeta } from './train/mixup.js';
export {
  deserializeLayersModel,
  loadLayersModelFromDir,
  type SavedModelFiles,
  type SerializedLayersModel,
  saveLayersModelToDir,
  serializeLayersModel,
} from './train/model-io.js';
export { TrainingOptimizer } from './train/optimizer.js';
export type { EpochRecord, TrainingRecord } from './train/record.js';
export { LearningRateSchedule, type ScheduleState } from './train/schedule.js';
export { type TrainOptions, type TrainResult, train } from './train/train.js';
export { type DivergenceDetails, TrainingDivergedError } from './train/train-step.js';
export {
  type GivenTrainingOptions,
  TRAINING_DETAIL_OPTIONS,
  TRAINING_OPTIONS,
  type TrainingDetailOptions,
  type TrainingOptions,
  trainConfigInput,
  withTrainingOptions,
} from './train/training-options.js';
export {
  applyFreeze,
  freezeBackbone,
  freezeFirstLayers,
  type ModelForLabelsOptions,
  modelForLabels,
  type ReplaceHeadOptions,
  replaceHead,
  unfreezeAll,
} from './train/transfer.js';
export { type TrainConfigContext, validateTrainConfig } from './train/validate.js';
export { LOGITS_LAYER_NAME, PROBS_LAYER_NAME } from './zoo/blocks/classifier-head.js';
export { buildModel, zooModelTraits } from './zoo/build-model.js';
export { isZooModelName, ZOO_DOCS, ZOO_MODEL_NAMES, type ZooModelName } from './zoo/catalog.js';
export { describeModel, type LayerDescription, type ModelDescription } from './zoo/describe-model.js';
export {
  DEFAULT_SE_RATIO,
  type ZooModelOptions,
  type ZooModelTraits,
  type ZooOptionName,
} from './zoo/options.js';
export { INIT_SCHEMES, type InitScheme, pytorchInitBound } from './zoo/seeded-initializers.js';
