/**
 * trainPackage: the one train flow that `edgeml train`, the pipeline's train stage and a zoo
 * teacher trained by `edgeml distill` share: train (with checkpoints, so a killed run resumes),
 * evaluate on the validation and test splits, summarise, record the lineage (the data set's
 * identity, any source manifest), and write the model package with its data reference.
 */
import { join } from 'node:path';
import {
  createLineageStep,
  type DatasetReference,
  type JsonObject,
  type LineageInput,
  type ModelManifest,
  type ProgressCallback,
  sha256Hex,
} from '@edgeml/core';
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import type { TrainConfig } from '../train/config.js';
import { type EvaluationResult, evaluate } from '../train/evaluate.js';
import type { TrainingRecord } from '../train/record.js';
import { train } from '../train/train.js';
import { TrainingDivergedError } from '../train/train-step.js';
import { describeModel } from '../zoo/describe-model.js';
import type { InitScheme } from '../zoo/seeded-initializers.js';
import { writeTrainedPackage } from './trained-package.js';

/** What trainPackage needs. */
export interface TrainPackageInput {
  /** The model to train (built from the zoo or loaded; trained in place). */
  readonly model: tf.LayersModel;
  /** How the summary and lineage name the model: a zoo name or `from:<dir>`. */
  readonly modelName: string;
  /** How a zoo model's weights were initialised (buildModel's `init`): recorded in the lineage and summary when given. */
  readonly init?: InitScheme;
  readonly dataset: Dataset;
  /** Where the data came from (written as `manifest.data`). */
  readonly data: DatasetReference;
  /** A validated trainer config. */
  readonly config: TrainConfig;
  /** The TF.js backend in use, and its detail line. */
  readonly backend: { readonly name: string; readonly detail?: string };
  /** Package directory to write. */
  readonly outDir: string;
  /** Package name. */
  readonly name: string;
  /** Lineage step name. @default 'train' */
  readonly lineageName?: string;
  /** Inputs the lineage records besides the data set (e.g. the manifest a model was loaded from). */
  readonly inputs?: readonly LineageInput[];
  /** Evaluate on the first N images of the validation and test splits (null/absent: all). */
  readonly evalLimit?: number | null;
  /** Where checkpoints are written. @default `<outDir>/checkpoints` */
  readonly checkpointDir?: string;
  /** Continue from the last checkpoint in `checkpointDir` when there is one. @default true */
  readonly resume?: boolean;
  readonly toolVersion: string;
  readonly onProgress?: ProgressCallback;
}

/** summary.json of a trained package. */
export interface TrainSummary {
  model: string;
  /** Initialisation scheme of the zoo model (absent for a model loaded from a package). */
  init?: InitScheme;
  dataset: string;
  params: number;
  macs: number;
  backend: string;
  backend_detail: string | null;
  epochs: number;
  batch_size: number;
  train_images: number;
  samples_per_s: number;
  val_accuracy: number | null;
  test_accuracy: number;
  test_loss: number;
  test_images: number;
  per_class_test_accuracy: Record<string, number | null>;
  confusion_matrix: number[][];
  wall_s: number;
  best_epoch: number | null;
  stopped_early: boolean;
  record: JsonObject[];
}

/** What trainPackage did. */
export interface TrainPackageResult {
  readonly model: tf.LayersModel;
  readonly manifest: ModelManifest;
  readonly summary: TrainSummary;
  readonly record: TrainingRecord;
  readonly validation: EvaluationResult | undefined;
  readonly test: EvaluationResult;
}

/** Trains `input.model` on `input.dataset` and writes it as a model package (see the file comment). */
export async function trainPackage(input: TrainPackageInput): Promise<TrainPackageResult> {
  const started = performance.now();
  const { dataset, config } = input;
  const { info } = dataset;
  const { model, record } = await train(input.model, dataset, config, {
    ...(input.onProgress && { onProgress: input.onProgress }),
    checkpointDir: input.checkpointDir ?? join(input.outDir, 'checkpoints'),
    resume: input.resume ?? true,
  });
  const evalOptions = input.evalLimit == null ? {} : { limit: input.evalLimit };
  const validation =
    dataset.split('validation').size > 0
      ? await evaluate(model, dataset.split('validation'), evalOptions)
      : undefined;
  const test = await evaluate(model, dataset.split('test'), evalOptions);
  // A model that answers NaN or Infinity is never written as a package.
  for (const [split, result] of [
    ['validation', validation],
    ['test', test],
  ] as const) {
    if (result !== undefined && !Number.isFinite(result.loss)) {
      throw new TrainingDivergedError({
        loss: result.loss,
        split,
        epoch: record.epochs.at(-1)?.epoch ?? 0,
        lr: record.epochs.at(-1)?.lr ?? config.optimizer.lr,
        configuredLr: config.optimizer.lr,
      });
    }
  }
  const trained = record.epochs.filter(
    (e) => record.resumedFromEpoch === null || e.epoch > record.resumedFromEpoch,
  );
  const samplesPerS =
    trained.length > 0 ? trained.reduce((s, e) => s + e.samplesPerSecond, 0) / trained.length : Number.NaN;
  const wallS = (performance.now() - started) / 1000;
  const { params, macs } = describeModel(model);
  const trainImages = config.limit ?? dataset.split('train').size;
  const summary: TrainSummary = {
    model: input.modelName,
    ...(input.init !== undefined && { init: input.init }),
    dataset: info.name,
    params,
    macs,
    backend: input.backend.name,
    backend_detail: input.backend.detail ?? null,
    epochs: record.epochs.length,
    batch_size: config.batchSize,
    train_images: trainImages,
    samples_per_s: Number.isFinite(samplesPerS) ? Math.round(samplesPerS * 10) / 10 : 0,
    val_accuracy: validation?.accuracy ?? null,
    test_accuracy: test.accuracy,
    test_loss: test.loss,
    test_images: test.count,
    per_class_test_accuracy: Object.fromEntries(
      info.classNames.map((c, i) => [c, test.perClassAccuracy[i] ?? null]),
    ),
    confusion_matrix: test.confusionMatrix.map((row) => [...row]),
    wall_s: Math.round(wallS * 10) / 10,
    best_epoch: record.bestEpoch,
    stopped_early: record.stoppedEarly,
    record: record.epochs.map((e) => ({ ...e }) as unknown as JsonObject),
  };
  const lineage = createLineageStep({
    kind: 'command',
    name: input.lineageName ?? 'train',
    config: JSON.parse(
      JSON.stringify({
        model: input.modelName,
        ...(input.init !== undefined && { init: input.init }),
        backend: input.backend.name,
        ...config,
      }),
    ) as JsonObject,
    inputs: [
      { name: info.name, sha256: await sha256Hex(JSON.stringify(info)), kind: 'dataset' },
      ...(input.inputs ?? []),
    ],
    toolVersion: input.toolVersion,
    durationMs: Math.round(wallS * 1000),
    report: {
      val_accuracy: summary.val_accuracy,
      test_accuracy: summary.test_accuracy,
      samples_per_s: summary.samples_per_s,
    },
  });
  const manifest = await writeTrainedPackage(input.outDir, {
    name: input.name,
    model,
    dataset: info,
    metrics: {
      ...(validation && {
        val_accuracy: { value: validation.accuracy, split: 'validation', samples: validation.count },
      }),
      test_accuracy: { value: test.accuracy, split: 'test', samples: test.count },
      test_loss: { value: test.loss, split: 'test', samples: test.count },
    },
    lineage: [lineage],
    training: {
      dataset: info.name,
      backend: input.backend.name,
      epochs: record.epochs.length,
      batchSize: config.batchSize,
      seed: config.seed,
      samples: { train: trainImages, validation: validation?.count ?? 0, test: test.count },
    },
    data: input.data,
    summary: summary as unknown as JsonObject,
  });
  return { model, manifest, summary, record, validation, test };
}
