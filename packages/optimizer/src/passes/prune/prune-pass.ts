/**
 * The prune pass. `structured`: channels are removed on the IR (structuredPrune) and the smaller
 * graph is converted back to TF.js with toLayersModel. `magnitude`: a copy of the model gets
 * magnitude masks whose sparsity follows a polynomial-decay schedule during fine-tuning (one-shot
 * when there is none), re-applied after every optimizer step. Either way the model is then
 * fine-tuned with the trainer, and the report compares the input, the pruned model before
 * fine-tuning and the result: params, MACs, ONNX size raw and gzipped, test accuracy, per-layer
 * sparsity (magnitude) or channels (structured), and optionally onnxruntime-node latency.
 */
import { ConfigError, checkOption, type JsonObject, type OptionDecls, readOptions } from '@edgeml/core';
import {
  type Dataset,
  deserializeLayersModel,
  serializeLayersModel,
  type TrainConfig,
  train,
  validateTrainConfig,
} from '@edgeml/trainer';
import type * as tf from '@tensorflow/tfjs';
import { fromLayersModel } from '../../convert/from-tfjs.js';
import { toLayersModel } from '../../convert/to-tfjs.js';
import {
  measureAccuracy,
  measureOrtLatency,
  measureSize,
  type OrtLatency,
} from '../../pipeline/measure-model.js';
import { definePass } from '../../pipeline/pass.js';
import { MAGNITUDE_SCOPES, MagnitudePruner, type MagnitudeScope } from './magnitude-pruner.js';
import { isPruningStep, type PolynomialDecaySchedule, sparsityAt } from './sparsity-schedule.js';
import { CHANNEL_CRITERIA, type ChannelCriterion, structuredPrune } from './structured-prune.js';

/** Pruning methods. */
export const PRUNE_METHODS = ['structured', 'magnitude'] as const;
/** `structured` removes channels; `magnitude` zeroes individual weights. */
export type PruneMethod = (typeof PRUNE_METHODS)[number];

/** The prune pass's config (plain JSON). */
export interface PruneConfig extends JsonObject {
  method: PruneMethod;
  /** Structured: fraction of channels removed per prunable space; magnitude: final weight sparsity. In [0, 1). */
  sparsity: number;
  /** Structured: channel ranking. @default 'l1' */
  criterion: ChannelCriterion;
  /** Magnitude: 'per-layer' or 'global' thresholds. @default 'per-layer' */
  scope: MagnitudeScope;
  /** Magnitude: sparsity when the schedule starts. @default 0 */
  initialSparsity: number;
  /** Magnitude: the schedule reaches `sparsity` after this fraction of the fine-tuning steps. @default 0.75 */
  endFraction: number;
  /** Magnitude: masks are recomputed every N steps (null: about 20 times over the schedule). */
  frequency: number | null;
  /** Fine-tuning epochs (0: none; magnitude then prunes one-shot). */
  finetuneEpochs: number;
  /** The trainer's config for fine-tuning (its `epochs` is `finetuneEpochs`). */
  train: JsonObject;
  /** Evaluate on this many test images (null: all). */
  evalLimit: number | null;
  /** onnxruntime-node latency runs per batch size (0: not measured). */
  latencyRuns: number;
}

/** Measurements of one model in the report. */
export interface PruneModelReport extends JsonObject {
  params: number;
  nonzeroParams: number;
  macs: number;
  onnxBytes: number;
  onnxGzipBytes: number;
  accuracy: number;
  latency: OrtLatency[];
}

/** What the prune pass measured. */
export interface PruneReport extends JsonObject {
  method: PruneMethod;
  sparsity: number;
  original: PruneModelReport;
  /** The pruned model before fine-tuning (accuracy only; sizes equal `pruned`'s). */
  beforeFinetune: { accuracy: number };
  pruned: PruneModelReport;
  /** Magnitude: zeros per layer; structured: channels per space. */
  layers: JsonObject[];
  finetuneEpochs: number;
  trainImages: number;
  testImages: number;
}

/** The prune pass's options, declared once: its config, the CLI's flags and the pipeline's `prune` keys. */
export const PRUNE_OPTIONS = {
  method: {
    kind: 'choice',
    values: PRUNE_METHODS,
    default: 'magnitude',
    placeholder: 'NAME',
    description: 'structured removes channels; magnitude zeroes individual weights',
  },
  sparsity: {
    kind: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    default: 0.5,
    placeholder: 'X',
    description: 'fraction of channels (structured) or weights (magnitude) removed',
  },
  criterion: {
    kind: 'choice',
    values: CHANNEL_CRITERIA,
    default: 'l1',
    placeholder: 'NAME',
    description: 'structured: channel ranking',
  },
  scope: {
    kind: 'choice',
    values: MAGNITUDE_SCOPES,
    default: 'per-layer',
    placeholder: 'NAME',
    description: 'magnitude: thresholds per layer or global',
  },
  initialSparsity: {
    kind: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    default: 0,
    placeholder: 'X',
    description: 'magnitude: sparsity when the schedule starts (at most sparsity)',
  },
  endFraction: {
    kind: 'number',
    min: 0,
    max: 1,
    minExclusive: true,
    default: 0.75,
    placeholder: 'X',
    description: 'magnitude: the schedule reaches sparsity after this fraction of the fine-tuning steps',
  },
  frequency: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'magnitude: recompute the masks every N steps (null: about 20 times over the schedule)',
  },
  finetuneEpochs: {
    kind: 'integer',
    min: 0,
    max: 10_000,
    default: 1,
    placeholder: 'N',
    description: 'fine-tuning epochs (0: none; magnitude then prunes one-shot)',
  },
  evalLimit: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'evaluate on N test images (null: all)',
  },
  latencyRuns: {
    kind: 'integer',
    min: 0,
    max: 100_000,
    default: 0,
    placeholder: 'N',
    description: 'onnxruntime-node runs per batch size (1, 32) for the median latency (0: not measured)',
  },
} as const satisfies OptionDecls;

/** Checks a prune config (PRUNE_OPTIONS plus the fine-tuning `train` object); fills in defaults. */
export function validatePruneConfig(json: unknown): PruneConfig {
  const options = readOptions(PRUNE_OPTIONS, json, 'prune', ['train']) as unknown as PruneConfig;
  checkOption(
    { ...PRUNE_OPTIONS.initialSparsity, max: options.sparsity, maxExclusive: false },
    'initialSparsity',
    options.initialSparsity,
    'prune',
  );
  const trainInput = options.train ?? {};
  if (typeof trainInput !== 'object' || trainInput === null || Array.isArray(trainInput))
    throw new ConfigError(`prune: 'train' must be a JSON object, got ${JSON.stringify(trainInput)}`, {
      key: 'train',
    });
  const trainConfig = validateTrainConfig({ ...trainInput, epochs: Math.max(1, options.finetuneEpochs) });
  return { ...options, train: JSON.parse(JSON.stringify(trainConfig)) as JsonObject };
}

async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const { modelJson, weights } = await serializeLayersModel(model, 'weights.bin');
  return deserializeLayersModel(modelJson, [weights]);
}

async function measure(
  model: tf.LayersModel,
  dataset: Dataset,
  config: PruneConfig,
): Promise<PruneModelReport> {
  const { onnx, size } = measureSize(model);
  const accuracy = await measureAccuracy(model, dataset.split('test'), config.evalLimit);
  const inputShape = dataset.info.inputShape;
  const latency =
    config.latencyRuns > 0 ? await measureOrtLatency(onnx, inputShape, { runs: config.latencyRuns }) : [];
  return { ...size, accuracy, latency };
}

/** Steps per epoch the trainer will take. */
function stepsPerEpoch(dataset: Dataset, trainConfig: TrainConfig): number {
  const pool = Math.min(trainConfig.limit ?? Number.POSITIVE_INFINITY, dataset.split('train').size);
  return Math.floor(pool / trainConfig.batchSize);
}

/** Structured (channel) or magnitude (weight) pruning with fine-tuning. */
export const prunePass = definePass<PruneConfig, PruneReport>({
  name: 'prune',
  version: 1,
  description: 'structured channel pruning or magnitude pruning, then fine-tuning',
  needsDataset: true,
  validate: validatePruneConfig,
  async transform(input, config, ctx) {
    const dataset = ctx.dataset!;
    const trainConfig = config.train as unknown as TrainConfig;
    const original = await measure(input.model, dataset, { ...config, latencyRuns: config.latencyRuns });
    const onProgress = ctx.onProgress;
    const trainOptions = {
      ...(onProgress && { onProgress }),
      ...(ctx.signal && { signal: ctx.signal }),
    };
    let model: tf.LayersModel;
    let layers: JsonObject[];
    let beforeFinetune: number;
    if (config.method === 'structured') {
      const { graph, report } = structuredPrune(fromLayersModel(input.model), {
        sparsity: config.sparsity,
        criterion: config.criterion,
      });
      model = toLayersModel(graph);
      layers = report.pruned.map((p) => ({ ...p }));
      beforeFinetune = await measureAccuracy(model, dataset.split('test'), config.evalLimit);
      if (config.finetuneEpochs > 0) await train(model, dataset, trainConfig, trainOptions);
    } else {
      // One-shot accuracy at the final sparsity, for the "before fine-tuning" line.
      const oneShot = await cloneModel(input.model);
      const oneShotPruner = new MagnitudePruner(oneShot, config.scope);
      oneShotPruner.prune(config.sparsity);
      beforeFinetune = await measureAccuracy(oneShot, dataset.split('test'), config.evalLimit);
      oneShotPruner.dispose();
      model = config.finetuneEpochs > 0 ? await cloneModel(input.model) : oneShot;
      const pruner = new MagnitudePruner(model, config.scope);
      if (config.finetuneEpochs > 0) {
        const total = config.finetuneEpochs * stepsPerEpoch(dataset, trainConfig);
        const endStep = Math.max(1, Math.round(total * config.endFraction));
        const schedule: PolynomialDecaySchedule = {
          initialSparsity: config.initialSparsity,
          finalSparsity: config.sparsity,
          beginStep: 0,
          endStep,
          power: 3,
          frequency: config.frequency ?? Math.max(1, Math.floor(endStep / 20)),
        };
        pruner.prune(sparsityAt(schedule, 0));
        await train(model, dataset, trainConfig, {
          ...trainOptions,
          afterStep: ({ globalStep }) => {
            if (isPruningStep(schedule, globalStep)) pruner.prune(sparsityAt(schedule, globalStep));
            else pruner.apply();
          },
        });
        if (endStep > total) pruner.prune(config.sparsity);
      }
      layers = pruner.sparsity().map((l) => ({ ...l }));
      pruner.dispose();
    }
    const pruned = await measure(model, dataset, config);
    const report: PruneReport = {
      method: config.method,
      sparsity: config.sparsity,
      original,
      beforeFinetune: { accuracy: beforeFinetune },
      pruned,
      layers,
      finetuneEpochs: config.finetuneEpochs,
      trainImages: trainConfig.limit ?? dataset.split('train').size,
      testImages: Math.min(config.evalLimit ?? Number.POSITIVE_INFINITY, dataset.split('test').size),
    };
    return {
      model,
      report,
      metrics: {
        test_accuracy: { value: pruned.accuracy, split: 'test', samples: report.testImages },
      },
    };
  },
});
