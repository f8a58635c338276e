/**
 * The training loop: a custom loop (not model.fit) over seeded epoch orders, with augmentation,
 * mixup, label smoothing / focal loss / class weights computed from the logits, our own Adam,
 * AdamW and SGD, per-step learning-rate schedules, validation after each epoch, early stopping
 * with restore of the best weights, progress events per batch and per epoch, and a checkpoint
 * after every epoch from which `resume` continues bitwise-identically (same seed, same backend).
 * The model is trained in place and returned.
 */
import { ConfigError, EdgemlError, type ProgressCallback, SeededRandom, silentProgress } from '@edgeml/core';
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { checkSplitsForTraining } from '../data/split-plan.js';
import { logitsModel, numClassesOf } from '../model/logits.js';
import { augmentBatch, hasAugmentation } from './augment.js';
import { BestTracker, type MonitoredMetric } from './best-tracker.js';
import {
  clearCheckpoints,
  disposeCheckpoint,
  hashTrainConfig,
  loadLatestCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import { evaluateLogits } from './evaluate.js';
import { holdFrozenBatchNorm } from './frozen-batchnorm.js';
import type { AfterStepHook, LossFunction } from './hooks.js';
import { balancedClassWeights, type LossOptions } from './losses.js';
import { mixupBatch } from './mixup.js';
import { assignWeights, namedWeights, orderedWeights, snapshotWeights } from './model-weights.js';
import { type KeyedVariable, TrainingOptimizer } from './optimizer.js';
import type { EpochRecord, TrainingRecord } from './record.js';
import { classCounts, epochOrder, epochSeed, readBatch, trainingPool } from './sampler.js';
import { LearningRateSchedule } from './schedule.js';
import type { NamedTensor } from './tensor-file.js';
import { TrainingDivergedError, trainStep } from './train-step.js';
import { applyFreeze } from './transfer.js';
import { validateTrainConfig } from './validate.js';

/** Options of `train` that are not part of the (hashed) config. */
export interface TrainOptions {
  /** Receives 'batch' events (current/total steps of the epoch) and 'epoch' events. */
  readonly onProgress?: ProgressCallback;
  /** Where to write a checkpoint after every epoch; none when absent. */
  readonly checkpointDir?: string;
  /**
   * Continue from the newest checkpoint in checkpointDir (a fresh start when there is none).
   * Without it, existing checkpoints in checkpointDir are deleted when this run writes its first
   * one (a run that fails within its first epoch leaves them as they were).
   */
  readonly resume?: boolean;
  /** Aborts between steps; `train` then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Replaces the configured loss (e.g. knowledge distillation); gets the logits and the batch. */
  readonly lossFn?: LossFunction;
  /** Runs after every optimizer step (e.g. re-applying pruning masks). */
  readonly afterStep?: AfterStepHook;
}

/** What `train` returns: the same model object, trained, and the record. */
export interface TrainResult {
  readonly model: tf.LayersModel;
  readonly record: TrainingRecord;
}

const DROPOUT_SEED_SALT = 0xd50f;

function topLevelDifferences(a: TrainConfig, b: TrainConfig): string[] {
  const keys = Object.keys(a) as (keyof TrainConfig)[];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

function trainableVariables(model: tf.LayersModel): KeyedVariable[] {
  const all = orderedWeights(model);
  const keys = new Map(all.map((w, i) => [w, i]));
  return model.layers
    .flatMap((layer) => layer.trainableWeights)
    .map((w) => ({ key: keys.get(w)!, variable: w.read() as tf.Variable }));
}

type DropoutLayer = tf.layers.Layer & { rate: number };

function dropoutLayers(model: tf.LayersModel): DropoutLayer[] {
  return model.layers.filter((l) => /Dropout$/.test(l.getClassName())) as DropoutLayer[];
}

/** Trains `model` on `dataset`'s train split (validating on its validation split) per `config`. */
export async function train(
  model: tf.LayersModel,
  dataset: Dataset,
  configInput: TrainConfigInput | TrainConfig,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const onProgress = options.onProgress ?? silentProgress;
  // Every flow evaluates the trained model on the test split: an empty one fails now, not after the last epoch.
  checkSplitsForTraining(dataset.info);
  const trainSplit = dataset.split('train');
  const valSplit = dataset.split('validation');
  const k = numClassesOf(model);
  const config = validateTrainConfig(configInput, { trainSize: trainSplit.size, numClasses: k });
  const configHash = hashTrainConfig(config);
  const { inputShape, normalization } = dataset.info;

  const pool = trainingPool(trainSplit, config.seed, config.limit);
  const counts = classCounts(trainSplit.labels, pool, k);
  const classWeights =
    config.classWeights === 'none'
      ? null
      : config.classWeights === 'balanced'
        ? balancedClassWeights(counts)
        : config.classWeights;
  const lossOptions: LossOptions = {
    labelSmoothing: config.labelSmoothing,
    classWeights,
    focalGamma: config.loss.name === 'focal' ? config.loss.gamma : 0,
  };
  const steps = Math.floor(pool.length / config.batchSize);
  const hasValidation = valSplit.size > 0;
  const monitor: MonitoredMetric = hasValidation ? (config.earlyStopping?.monitor ?? 'valLoss') : 'loss';
  const tracker = new BestTracker(monitor, config.earlyStopping);
  const schedule = new LearningRateSchedule(config.schedule, config.optimizer.lr, config.epochs, steps);
  const optimizer = new TrainingOptimizer(config.optimizer);
  const augmentRng = new SeededRandom(epochSeed(config.seed, -1));
  const dropoutRng = new SeededRandom((config.seed ^ DROPOUT_SEED_SALT) >>> 0);
  const restoreBest = config.earlyStopping?.restoreBest ?? false;

  const originalTrainable = model.layers.map((l) => l.trainable);
  const dropouts = dropoutLayers(model);
  const originalRates = dropouts.map((l) => l.rate);
  if (config.dropout !== null) for (const l of dropouts) l.rate = config.dropout;

  let startEpoch = 0;
  let record: EpochRecord[] = [];
  let bestWeights: NamedTensor[] | null = null;
  let resumedFromEpoch: number | null = null;
  let stoppedEarly = false;
  let restoredBest = false;
  let releaseBatchNorm = () => {};
  const disposeBest = () => {
    for (const { tensor } of bestWeights ?? []) tensor.dispose();
    bestWeights = null;
  };

  try {
    if (options.checkpointDir !== undefined && options.resume === true) {
      const checkpoint = await loadLatestCheckpoint(options.checkpointDir);
      if (checkpoint !== null) {
        const { state } = checkpoint;
        if (state.configHash !== configHash) {
          disposeCheckpoint(checkpoint);
          const changed = topLevelDifferences(state.config, config);
          throw new EdgemlError(
            'CHECKPOINT_INVALID',
            `cannot resume from ${checkpoint.dir}: it was written with a different training config ` +
              `(config hash ${state.configHash.slice(0, 12)} there, ${configHash.slice(0, 12)} now; ` +
              `changed: ${changed.length > 0 ? changed.join(', ') : 'unknown'}). ` +
              `Resume with the same config, or train without resume to start over.`,
            { dir: checkpoint.dir, savedHash: state.configHash, hash: configHash, changed },
          );
        }
        assignWeights(model, checkpoint.weights, checkpoint.dir);
        optimizer.setState(state.optimizer.step, checkpoint.slots);
        augmentRng.setState(state.rng.augment);
        dropoutRng.setState(state.rng.dropout);
        schedule.setState(state.schedule);
        tracker.setState(state.best);
        record = [...state.record];
        bestWeights = checkpoint.bestWeights;
        for (const list of [checkpoint.weights, checkpoint.slots])
          for (const { tensor } of list) tensor.dispose();
        startEpoch = state.epoch;
        resumedFromEpoch = state.epoch;
      }
    }
    // Without resume, earlier checkpoints are deleted when this run writes its first one, so a run
    // that fails before that (a diverging loss, bad data) leaves the directory as it was.
    let clearEarlierCheckpoints = options.checkpointDir !== undefined && options.resume !== true;

    const net = logitsModel(model);
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      if (tracker.shouldStop()) {
        stoppedEarly = true;
        break;
      }
      if (config.freeze !== 'none') {
        const frozen = config.unfreezeAtEpoch === null || epoch + 1 < config.unfreezeAtEpoch;
        applyFreeze(model, frozen ? config.freeze : 'none');
      }
      releaseBatchNorm();
      releaseBatchNorm = holdFrozenBatchNorm(model);
      const vars = trainableVariables(model);
      if (vars.length === 0) {
        throw new ConfigError(`'freeze' leaves no trainable weights in the model`, { key: 'freeze' });
      }
      const epochStart = performance.now();
      const order = epochOrder(pool, trainSplit.labels, config.seed, epoch, config.oversample);
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      let trainMs = 0;
      // From the unfreeze epoch on, the whole network continues at unfreezeLrScale x the schedule's rate.
      const lrScale =
        config.unfreezeAtEpoch !== null && epoch + 1 >= config.unfreezeAtEpoch
          ? (config.unfreezeLrScale ?? 1)
          : 1;
      let lr = schedule.lrAt(epoch, 0) * lrScale;
      for (let step = 0; step < steps; step++) {
        options.signal?.throwIfAborted();
        const stepStart = performance.now();
        const indices = order.subarray(step * config.batchSize, (step + 1) * config.batchSize);
        const batch = await readBatch(trainSplit, indices, inputShape, normalization);
        const shape = [batch.size, inputShape[0], inputShape[1], inputShape[2]] as const;
        const augmented = hasAugmentation(config.augment);
        let x = augmented ? augmentBatch(batch.x, shape, config.augment, augmentRng, normalization) : batch.x;
        let targets: Float32Array = new Float32Array(batch.size * k);
        for (let i = 0; i < batch.size; i++) targets[i * k + batch.y[i]!] = 1;
        if (config.mixupAlpha > 0) {
          const mixed = mixupBatch(x, targets, batch.size, config.mixupAlpha, augmentRng);
          x = mixed.x;
          targets = mixed.y;
        }
        lr = schedule.lrAt(epoch, step) * lrScale;
        const out = trainStep(
          net,
          vars,
          optimizer,
          {
            x,
            shape,
            targets,
            labels: batch.y,
            numClasses: k,
            indices: batch.indices,
            transformed: augmented || config.mixupAlpha > 0,
          },
          lossOptions,
          lr,
          dropoutRng,
          options.lossFn,
        );
        await options.afterStep?.({ epoch, step, stepsPerEpoch: steps, globalStep: optimizer.step });
        const [lossValue, correctValue] = await Promise.all([out.loss.data(), out.correct.data()]);
        out.loss.dispose();
        out.correct.dispose();
        if (!Number.isFinite(lossValue[0]!)) {
          throw new TrainingDivergedError({
            loss: lossValue[0]!,
            epoch: epoch + 1,
            step: step + 1,
            lr,
            configuredLr: config.optimizer.lr,
          });
        }
        lossSum += lossValue[0]! * batch.size;
        correctSum += correctValue[0]!;
        seen += batch.size;
        trainMs += performance.now() - stepStart;
        const samplesPerSecond = seen / (trainMs / 1000);
        onProgress({
          phase: 'batch',
          current: step + 1,
          total: steps,
          message: `epoch ${epoch + 1}/${config.epochs} loss ${(lossSum / seen).toFixed(4)} acc ${(correctSum / seen).toFixed(3)}`,
          metrics: {
            epoch: epoch + 1,
            loss: lossSum / seen,
            accuracy: correctSum / seen,
            samplesPerSecond,
            lr,
          },
        });
      }
      const loss = lossSum / seen;
      const accuracy = correctSum / seen;
      const val = hasValidation
        ? await evaluateLogits(net, k, valSplit, { batchSize: config.evalBatchSize })
        : null;
      // Finite training losses with weights that overflow at inference (BatchNorm's moving
      // statistics, say) diverged too: stop here rather than write a model that answers NaN.
      if (val !== null && !Number.isFinite(val.loss)) {
        throw new TrainingDivergedError({
          loss: val.loss,
          split: 'validation',
          epoch: epoch + 1,
          lr,
          configuredLr: config.optimizer.lr,
        });
      }
      schedule.endEpoch(val?.loss ?? loss);
      const monitored = monitor === 'valAccuracy' ? val!.accuracy : monitor === 'valLoss' ? val!.loss : loss;
      if (tracker.update(epoch + 1, monitored) && restoreBest) {
        disposeBest();
        bestWeights = snapshotWeights(model);
      }
      const entry: EpochRecord = {
        epoch: epoch + 1,
        loss,
        accuracy,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        lr,
        seconds: (performance.now() - epochStart) / 1000,
        samplesPerSecond: seen / (trainMs / 1000),
      };
      record.push(entry);
      if (options.checkpointDir !== undefined) {
        if (clearEarlierCheckpoints) {
          await clearCheckpoints(options.checkpointDir);
          clearEarlierCheckpoints = false;
        }
        await saveCheckpoint(options.checkpointDir, {
          state: {
            epoch: epoch + 1,
            configHash,
            config,
            optimizer: { name: config.optimizer.name, step: optimizer.step },
            rng: { augment: augmentRng.getState(), dropout: dropoutRng.getState() },
            schedule: schedule.getState(),
            best: tracker.getState(),
            record,
          },
          weights: namedWeights(model),
          bestWeights,
          slots: optimizer.getSlots(),
        });
      }
      const metrics: Record<string, number> = {
        epoch: entry.epoch,
        loss,
        accuracy,
        lr,
        seconds: entry.seconds,
      };
      metrics['samplesPerSecond'] = entry.samplesPerSecond;
      if (val !== null) {
        metrics['valLoss'] = val.loss;
        metrics['valAccuracy'] = val.accuracy;
      }
      onProgress({
        phase: 'epoch',
        current: epoch + 1,
        total: config.epochs,
        message:
          `epoch ${epoch + 1}/${config.epochs} loss ${loss.toFixed(4)} acc ${accuracy.toFixed(3)}` +
          (val === null ? '' : ` val_loss ${val.loss.toFixed(4)} val_acc ${val.accuracy.toFixed(3)}`),
        metrics,
      });
      if (tracker.shouldStop()) {
        stoppedEarly = epoch + 1 < config.epochs;
        break;
      }
    }
    const bestEpoch = tracker.getBestEpoch();
    const lastEpoch = record[record.length - 1]?.epoch ?? null;
    if (restoreBest && bestWeights !== null && bestEpoch !== lastEpoch) {
      assignWeights(model, bestWeights, 'best weights');
      restoredBest = true;
    }
    return {
      model,
      record: { epochs: record, bestEpoch, stoppedEarly, restoredBest, resumedFromEpoch, configHash },
    };
  } finally {
    releaseBatchNorm();
    if (config.freeze !== 'none') {
      model.layers.forEach((l, i) => {
        l.trainable = originalTrainable[i] ?? true;
      });
    }
    dropouts.forEach((l, i) => {
      l.rate = originalRates[i] ?? l.rate;
    });
    optimizer.dispose();
    disposeBest();
  }
}
