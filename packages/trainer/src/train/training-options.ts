/**
 * The training options a command or a pipeline section exposes (a flat subset of TrainConfig),
 * declared once: the pass commands' flags (--epochs, --batch, --limit, --optimizer, --lr,
 * --schedule) and the pipeline's `teacher`, `distill` and `prune` keys are derived from it, with
 * the trainer's own defaults. `edgeml train` takes these and TRAINING_DETAIL_OPTIONS (weight decay,
 * warm-up, regularisation, augmentation, transfer), laid over a training config by
 * `withTrainingOptions`.
 */
import type { JsonObject, JsonValue, OptionDecls, OptionsOf } from '@edgeml/core';
import { DEFAULT_EARLY_STOPPING, DEFAULT_TRAIN_CONFIG, OPTIMIZER_NAMES, SCHEDULE_NAMES } from './config.js';

/** Flat training options; `trainConfigInput` turns them into the trainer's config. */
export const TRAINING_OPTIONS = {
  epochs: {
    kind: 'integer',
    min: 1,
    max: 10_000,
    default: DEFAULT_TRAIN_CONFIG.epochs,
    placeholder: 'N',
    description: 'passes over the (limited) training split',
  },
  batchSize: {
    kind: 'integer',
    min: 1,
    max: 8192,
    default: DEFAULT_TRAIN_CONFIG.batchSize,
    flag: 'batch',
    placeholder: 'N',
    description: 'images per training step',
  },
  limit: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: DEFAULT_TRAIN_CONFIG.limit,
    placeholder: 'N',
    description: 'train on a seeded subset of N training images (null: all)',
  },
  optimizer: {
    kind: 'choice',
    values: OPTIMIZER_NAMES,
    default: DEFAULT_TRAIN_CONFIG.optimizer.name,
    placeholder: 'NAME',
    description: 'optimizer',
  },
  lr: {
    kind: 'number',
    min: 0,
    minExclusive: true,
    nullable: true,
    default: null,
    placeholder: 'X',
    description: "learning rate (null: the optimizer's default)",
  },
  schedule: {
    kind: 'choice',
    values: SCHEDULE_NAMES,
    default: DEFAULT_TRAIN_CONFIG.schedule.name,
    placeholder: 'NAME',
    description: 'learning-rate schedule',
  },
} as const satisfies OptionDecls;

/** Validated TRAINING_OPTIONS values. */
export type TrainingOptions = OptionsOf<typeof TRAINING_OPTIONS>;

/** The trainer config (plain JSON, for validateTrainConfig or a pass's `train`) of `options` and `seed`. */
export function trainConfigInput(options: TrainingOptions, seed: number): JsonObject {
  return {
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed,
    optimizer: { name: options.optimizer, ...(options.lr !== null && { lr: options.lr }) },
    schedule: { name: options.schedule },
    ...(options.limit !== null && { limit: options.limit }),
  };
}

/**
 * The rest of the training config as flat options (`edgeml train`'s flags): each checked by its
 * declaration (`train: 'labelSmoothing' must be in [0, 1), got "NaN" (--label-smoothing)`), with the
 * ranges validateTrainConfig enforces (some narrower, to stay sensible as flags).
 */
export const TRAINING_DETAIL_OPTIONS = {
  weightDecay: {
    kind: 'number',
    min: 0,
    nullable: true,
    default: null,
    placeholder: 'X',
    description:
      "L2 (adam, sgd) or decoupled (adamw) weight decay (null: the optimizer's default, 0; adamw 0.01)",
  },
  warmupEpochs: {
    kind: 'integer',
    min: 0,
    max: 10_000,
    default: DEFAULT_TRAIN_CONFIG.schedule.warmupEpochs,
    flag: 'warmup',
    placeholder: 'N',
    description: 'linear warm-up epochs (at most the epochs)',
  },
  labelSmoothing: {
    kind: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    default: DEFAULT_TRAIN_CONFIG.labelSmoothing,
    placeholder: 'X',
    description: 'label smoothing epsilon',
  },
  mixupAlpha: {
    kind: 'number',
    min: 0,
    default: DEFAULT_TRAIN_CONFIG.mixupAlpha,
    flag: 'mixup',
    placeholder: 'ALPHA',
    description: 'mixup Beta(alpha, alpha); 0 = off',
  },
  randomCropPadding: {
    kind: 'integer',
    min: 0,
    max: 64,
    default: DEFAULT_TRAIN_CONFIG.augment.randomCropPadding,
    flag: 'crop-padding',
    placeholder: 'PX',
    description: 'random crop augmentation with this zero padding',
  },
  horizontalFlip: {
    kind: 'boolean',
    default: DEFAULT_TRAIN_CONFIG.augment.horizontalFlip,
    flag: 'flip',
    description: 'random horizontal flips (off by default: orientation matters for digits)',
  },
  cutout: {
    kind: 'integer',
    min: 0,
    max: 4096,
    default: 0,
    placeholder: 'PX',
    description: 'cutout (DeVries & Taylor 2017): one square of this side per image set to the mean colour',
  },
  loss: {
    kind: 'choice',
    values: ['crossentropy', 'focal'],
    default: DEFAULT_TRAIN_CONFIG.loss.name,
    placeholder: 'NAME',
    description: 'loss function',
  },
  classWeights: {
    kind: 'choice',
    values: ['none', 'balanced'],
    default: 'none',
    placeholder: 'MODE',
    description: "class weights: 'balanced' from the class counts",
  },
  oversample: {
    kind: 'boolean',
    default: DEFAULT_TRAIN_CONFIG.oversample,
    description: 'class-balanced sampling',
  },
  earlyStopping: {
    kind: 'integer',
    min: 1,
    max: 10_000,
    nullable: true,
    default: null,
    placeholder: 'PATIENCE',
    description: `stop after PATIENCE epochs without validation improvement and restore the best (null: off; ${DEFAULT_EARLY_STOPPING.monitor} watched)`,
  },
  unfreezeAtEpoch: {
    kind: 'integer',
    min: 1,
    max: 10_000,
    nullable: true,
    default: null,
    flag: 'unfreeze-at',
    placeholder: 'EPOCH',
    description: 'epoch from which every layer trains again (with --freeze)',
  },
  unfreezeLrScale: {
    kind: 'number',
    min: 0,
    minExclusive: true,
    max: 1,
    nullable: true,
    default: null,
    flag: 'unfreeze-lr-scale',
    placeholder: 'X',
    description:
      "multiply the schedule's learning rate by X from the unfreeze epoch on (with --unfreeze-at; null: 1)",
  },
} as const satisfies OptionDecls;

/** Validated TRAINING_DETAIL_OPTIONS values. */
export type TrainingDetailOptions = OptionsOf<typeof TRAINING_DETAIL_OPTIONS>;

/** Flat training options as given: any of TRAINING_OPTIONS and TRAINING_DETAIL_OPTIONS, absent = keep. */
export type GivenTrainingOptions = Partial<TrainingOptions & TrainingDetailOptions>;

/**
 * Lays the `given` flat options over a training config (plain JSON, as validateTrainConfig reads
 * it), each at its place in the nested config (`lr` at `optimizer.lr`, `cutout` at
 * `augment.cutout`, the patience at `earlyStopping.patience`). A null `lr` or `weightDecay` means
 * the optimizer's default, a null `limit` all images, a null `earlyStopping` or `unfreezeAtEpoch`
 * off, a null `unfreezeLrScale` none (1). `base` is not modified.
 */
export function withTrainingOptions(base: JsonObject, given: GivenTrainingOptions): JsonObject {
  const out: JsonObject = { ...base };
  const nested = (key: string, entries: Record<string, JsonValue | undefined>) => {
    const inner = out[key];
    const merged: JsonObject = { ...(isObject(inner) ? inner : {}) };
    let changed = false;
    for (const [k, v] of Object.entries(entries)) {
      if (v === undefined) continue;
      changed = true;
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    if (changed) out[key] = merged;
  };
  const top = (key: string, value: JsonValue | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  top('epochs', given.epochs);
  top('batchSize', given.batchSize);
  top('limit', given.limit);
  nested('optimizer', { name: given.optimizer, lr: given.lr, weightDecay: given.weightDecay });
  nested('schedule', { name: given.schedule, warmupEpochs: given.warmupEpochs });
  top('labelSmoothing', given.labelSmoothing);
  top('mixupAlpha', given.mixupAlpha);
  nested('augment', {
    randomCropPadding: given.randomCropPadding,
    horizontalFlip: given.horizontalFlip,
    cutout: given.cutout,
  });
  nested('loss', { name: given.loss });
  top('classWeights', given.classWeights);
  top('oversample', given.oversample);
  if (given.earlyStopping === null) out['earlyStopping'] = null;
  else if (given.earlyStopping !== undefined) nested('earlyStopping', { patience: given.earlyStopping });
  top('unfreezeAtEpoch', given.unfreezeAtEpoch);
  if (given.unfreezeLrScale === null) delete out['unfreezeLrScale'];
  else top('unfreezeLrScale', given.unfreezeLrScale);
  return out;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
