/**
 * The training options a command or a pipeline section exposes (a flat subset of TrainConfig),
 * declared once: the pass commands' flags (--epochs, --batch, --limit, --optimizer, --lr,
 * --schedule) and the pipeline's `teacher`, `distill` and `prune` keys are derived from it, with
 * the trainer's own defaults.
 */
import type { JsonObject, OptionDecls, OptionsOf } from '@edgeml/core';
import { DEFAULT_TRAIN_CONFIG, OPTIMIZER_NAMES, SCHEDULE_NAMES } from './config.js';

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
