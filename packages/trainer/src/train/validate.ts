/**
 * Validation of the training configuration: plain JSON in, a fully resolved `TrainConfig` out, or
 * a `ConfigError` naming the key, the allowed values or range and what was found
 * (`'epochs' must be a positive integer, got -3`). Unknown keys are errors too, so a typo
 * (`'epoch'`) never silently trains with a default.
 */
import { ConfigError, formatAllowed } from '@edgeml/core';
import {
  type AugmentConfig,
  type ColorJitterConfig,
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
} from './config.js';

/** Facts about the data that some checks need (known once the data set is loaded). */
export interface TrainConfigContext {
  /** Images in the training split (before `limit`). */
  readonly trainSize?: number;
  /** Number of classes (checks the length of a `classWeights` array). */
  readonly numClasses?: number;
}

type Json = Record<string, unknown>;

const show = (value: unknown): string =>
  typeof value === 'string'
    ? `'${value}'`
    : typeof value === 'number' && !Number.isFinite(value)
      ? String(value) // JSON.stringify would print NaN and Infinity as null
      : JSON.stringify(value);

function fail(key: string, expected: string, got: unknown, details: Json = {}): never {
  throw new ConfigError(`'${key}' must be ${expected}, got ${show(got)}`, { key, got, ...details });
}

function objectAt(value: unknown, key: string, allowed: readonly string[]): Json {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(key, 'an object', value);
  }
  const obj = value as Json;
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const full = key === '' ? k : `${key}.${k}`;
      throw new ConfigError(
        `unknown key '${full}' in the training config; allowed: ${formatAllowed(allowed)}`,
        {
          key: full,
          allowed,
        },
      );
    }
  }
  return obj;
}

function num(
  obj: Json,
  prefix: string,
  name: string,
  fallback: number,
  check: { integer?: boolean; min?: number; minExclusive?: boolean; max?: number; maxExclusive?: boolean },
): number {
  const value = obj[name];
  if (value === undefined) return fallback;
  const key = prefix === '' ? name : `${prefix}.${name}`;
  const { integer = false, min, minExclusive = false, max, maxExclusive = false } = check;
  let expected: string;
  if (integer && min === 1 && max === undefined) expected = 'a positive integer';
  else if (integer && min === 0 && max === undefined) expected = 'a non-negative integer';
  else if (min !== undefined && max !== undefined)
    expected = `${integer ? 'an integer' : 'a number'} in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
  else if (min === 0 && minExclusive) expected = 'a positive number';
  else if (min === 0) expected = 'a non-negative number';
  else expected = integer ? 'an integer' : 'a finite number';
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (min === undefined || (minExclusive ? value > min : value >= min)) &&
    (max === undefined || (maxExclusive ? value < max : value <= max));
  if (!ok) fail(key, expected, value, { min, max });
  return value as number;
}

function bool(obj: Json, prefix: string, name: string, fallback: boolean): boolean {
  const value = obj[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(prefix === '' ? name : `${prefix}.${name}`, 'true or false', value);
  return value;
}

function oneOf<T extends string>(
  obj: Json,
  prefix: string,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = obj[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(prefix === '' ? name : `${prefix}.${name}`, `one of ${formatAllowed(allowed)}`, value, { allowed });
  }
  return value as T;
}

function range(
  obj: Json,
  prefix: string,
  name: string,
  fallback: readonly [number, number],
): [number, number] {
  const value = obj[name];
  if (value === undefined) return [fallback[0], fallback[1]];
  const key = `${prefix}.${name}`;
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0) ||
    value[0] > value[1]
  ) {
    fail(key, 'a pair [low, high] of positive numbers with low <= high', value);
  }
  return [value[0], value[1]];
}

function optimizerFrom(value: unknown): OptimizerConfig {
  const d = DEFAULT_TRAIN_CONFIG.optimizer;
  const o = objectAt(value, 'optimizer', Object.keys(d));
  const name: OptimizerName = oneOf(o, 'optimizer', 'name', OPTIMIZER_NAMES, d.name);
  return {
    name,
    lr: num(o, 'optimizer', 'lr', name === 'sgd' ? 0.01 : d.lr, { min: 0, minExclusive: true }),
    beta1: num(o, 'optimizer', 'beta1', d.beta1, { min: 0, max: 1, maxExclusive: true }),
    beta2: num(o, 'optimizer', 'beta2', d.beta2, { min: 0, max: 1, maxExclusive: true }),
    epsilon: num(o, 'optimizer', 'epsilon', d.epsilon, { min: 0, minExclusive: true }),
    weightDecay: num(o, 'optimizer', 'weightDecay', name === 'adamw' ? 0.01 : d.weightDecay, { min: 0 }),
    momentum: num(o, 'optimizer', 'momentum', d.momentum, { min: 0, max: 1, maxExclusive: true }),
    nesterov: bool(o, 'optimizer', 'nesterov', d.nesterov),
  };
}

function scheduleFrom(value: unknown): ScheduleConfig {
  const d = DEFAULT_TRAIN_CONFIG.schedule;
  const s = objectAt(value, 'schedule', Object.keys(d));
  const name: ScheduleName = oneOf(s, 'schedule', 'name', SCHEDULE_NAMES, d.name);
  return {
    name,
    warmupEpochs: num(s, 'schedule', 'warmupEpochs', d.warmupEpochs, { min: 0 }),
    minLr: num(s, 'schedule', 'minLr', d.minLr, { min: 0 }),
    stepSize: num(s, 'schedule', 'stepSize', d.stepSize, { integer: true, min: 1 }),
    gamma: num(s, 'schedule', 'gamma', d.gamma, { min: 0, minExclusive: true, max: 1 }),
    factor: num(s, 'schedule', 'factor', d.factor, {
      min: 0,
      minExclusive: true,
      max: 1,
      maxExclusive: true,
    }),
    patience: num(s, 'schedule', 'patience', d.patience, { integer: true, min: 0 }),
    threshold: num(s, 'schedule', 'threshold', d.threshold, { min: 0 }),
  };
}

function augmentFrom(value: unknown): AugmentConfig {
  const d = DEFAULT_TRAIN_CONFIG.augment;
  const a = objectAt(value, 'augment', [...Object.keys(d), 'colorJitter', 'cutout']);
  const randomCropPadding = num(a, 'augment', 'randomCropPadding', d.randomCropPadding, {
    integer: true,
    min: 0,
  });
  let randomResizedCrop: AugmentConfig['randomResizedCrop'] = null;
  if (a['randomResizedCrop'] !== undefined && a['randomResizedCrop'] !== null) {
    const r = objectAt(a['randomResizedCrop'], 'augment.randomResizedCrop', ['scale', 'ratio']);
    const scale = range(r, 'augment.randomResizedCrop', 'scale', DEFAULT_RANDOM_RESIZED_CROP.scale);
    if (scale[1] > 1) fail('augment.randomResizedCrop.scale', 'a pair within (0, 1]', scale);
    randomResizedCrop = {
      scale,
      ratio: range(r, 'augment.randomResizedCrop', 'ratio', DEFAULT_RANDOM_RESIZED_CROP.ratio),
    };
  }
  if (randomResizedCrop !== null && randomCropPadding > 0) {
    throw new ConfigError(
      `'augment.randomCropPadding' and 'augment.randomResizedCrop' exclude each other; set one of them`,
      { key: 'augment' },
    );
  }
  const cutout = num(a, 'augment', 'cutout', 0, { integer: true, min: 0 });
  return {
    randomCropPadding,
    horizontalFlip: bool(a, 'augment', 'horizontalFlip', d.horizontalFlip),
    randomResizedCrop,
    // Off is absent, not 0/null, so that configs written before these keys keep their hash.
    ...colorJitterFrom(a['colorJitter']),
    ...(cutout > 0 && { cutout }),
  };
}

function colorJitterFrom(value: unknown): { colorJitter?: ColorJitterConfig } {
  if (value === undefined || value === null) return {};
  const j = objectAt(value, 'augment.colorJitter', ['brightness', 'contrast', 'saturation']);
  const strength = (name: string) => num(j, 'augment.colorJitter', name, 0, { min: 0 });
  const colorJitter = {
    brightness: strength('brightness'),
    contrast: strength('contrast'),
    saturation: strength('saturation'),
  };
  const on = colorJitter.brightness > 0 || colorJitter.contrast > 0 || colorJitter.saturation > 0;
  return on ? { colorJitter } : {};
}

function earlyStoppingFrom(value: unknown): EarlyStoppingConfig | null {
  if (value === undefined || value === null || value === false) return null;
  const d = DEFAULT_EARLY_STOPPING;
  const e = objectAt(value, 'earlyStopping', Object.keys(d));
  return {
    monitor: oneOf(e, 'earlyStopping', 'monitor', ['valLoss', 'valAccuracy'] as const, d.monitor),
    patience: num(e, 'earlyStopping', 'patience', d.patience, { integer: true, min: 0 }),
    minDelta: num(e, 'earlyStopping', 'minDelta', d.minDelta, { min: 0 }),
    restoreBest: bool(e, 'earlyStopping', 'restoreBest', d.restoreBest),
  };
}

function lossFrom(value: unknown): LossConfig {
  const d = DEFAULT_TRAIN_CONFIG.loss;
  const l = objectAt(value, 'loss', Object.keys(d));
  return {
    name: oneOf(l, 'loss', 'name', ['crossentropy', 'focal'] as const, d.name),
    gamma: num(l, 'loss', 'gamma', d.gamma, { min: 0 }),
  };
}

function classWeightsFrom(value: unknown, numClasses: number | undefined): TrainConfig['classWeights'] {
  if (value === undefined) return DEFAULT_TRAIN_CONFIG.classWeights;
  if (value === 'none' || value === 'balanced') return value;
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) || value.length === 0) {
      fail('classWeights', 'a non-empty array of non-negative numbers', value);
    }
    if (numClasses !== undefined && value.length !== numClasses) {
      fail('classWeights', `an array of ${numClasses} weights (one per class)`, value, { numClasses });
    }
    return [...(value as number[])];
  }
  return fail('classWeights', `'none', 'balanced' or an array of per-class weights`, value);
}

/** Checks a training config (plain JSON) and fills in defaults; throws ConfigError on bad input. */
export function validateTrainConfig(json: unknown, context: TrainConfigContext = {}): TrainConfig {
  const d = DEFAULT_TRAIN_CONFIG;
  const c = objectAt(json ?? {}, '', [...Object.keys(d), 'unfreezeLrScale']);
  const epochs = num(c, '', 'epochs', d.epochs, { integer: true, min: 1 });
  const batchSize = num(c, '', 'batchSize', d.batchSize, { integer: true, min: 1 });
  const limit = c['limit'] === null ? null : num(c, '', 'limit', Number.NaN, { integer: true, min: 1 });
  const resolvedLimit = limit === null || Number.isNaN(limit) ? null : limit;
  // A limit at or above the training split trains on all of it: recorded as no limit, so the
  // summary and the lineage count the images actually used (the CLI says so in a note).
  const effectiveLimit =
    context.trainSize !== undefined && resolvedLimit !== null && resolvedLimit >= context.trainSize
      ? null
      : resolvedLimit;
  if (context.trainSize !== undefined) {
    const used = Math.min(context.trainSize, effectiveLimit ?? context.trainSize);
    if (batchSize > used) {
      fail('batchSize', `at most the ${used} training images used`, batchSize, { trainImages: used });
    }
  }
  let freeze: TrainConfig['freeze'] = d.freeze;
  if (c['freeze'] !== undefined) {
    const f = c['freeze'];
    if (f === 'none' || f === 'backbone') freeze = f;
    else if (typeof f === 'number' && Number.isInteger(f) && f >= 0) freeze = f;
    else fail('freeze', `'none', 'backbone' or a number of leading layers (integer >= 0)`, f);
  }
  const unfreeze = c['unfreezeAtEpoch'];
  const unfreezeAtEpoch =
    unfreeze === undefined || unfreeze === null
      ? null
      : num(c, '', 'unfreezeAtEpoch', 0, { integer: true, min: 1, max: epochs });
  const scale = c['unfreezeLrScale'];
  const unfreezeLrScale =
    scale === undefined || scale === null
      ? undefined
      : num(c, '', 'unfreezeLrScale', 1, { min: 0, minExclusive: true, max: 1 });
  if (unfreezeLrScale !== undefined && unfreezeAtEpoch === null) {
    throw new ConfigError(
      `'unfreezeLrScale' (${unfreezeLrScale}) scales the learning rate from 'unfreezeAtEpoch' on, but 'unfreezeAtEpoch' is not set; set it (an integer in [1, ${epochs}]) or leave 'unfreezeLrScale' out`,
      { key: 'unfreezeLrScale', got: unfreezeLrScale, requires: 'unfreezeAtEpoch' },
    );
  }
  const dropout =
    c['dropout'] === undefined || c['dropout'] === null
      ? null
      : num(c, '', 'dropout', 0, { min: 0, max: 1, maxExclusive: true });
  const schedule = scheduleFrom(c['schedule']);
  if (schedule.warmupEpochs > epochs) {
    throw new ConfigError(
      `'schedule.warmupEpochs' must be at most 'epochs' (${epochs}), got ${schedule.warmupEpochs}: a longer warm-up ends after training does, so the learning rate would never reach 'optimizer.lr' (it would stop at ${Math.round((100 * epochs) / schedule.warmupEpochs)}% of it)`,
      { key: 'schedule.warmupEpochs', got: schedule.warmupEpochs, epochs },
    );
  }
  const config: TrainConfig = {
    epochs,
    batchSize,
    optimizer: optimizerFrom(c['optimizer']),
    schedule,
    loss: lossFrom(c['loss']),
    labelSmoothing: num(c, '', 'labelSmoothing', d.labelSmoothing, { min: 0, max: 1, maxExclusive: true }),
    mixupAlpha: num(c, '', 'mixupAlpha', d.mixupAlpha, { min: 0 }),
    dropout,
    augment: augmentFrom(c['augment']),
    earlyStopping: earlyStoppingFrom(c['earlyStopping']),
    classWeights: classWeightsFrom(c['classWeights'], context.numClasses),
    oversample: bool(c, '', 'oversample', d.oversample),
    seed: num(c, '', 'seed', d.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
    limit: effectiveLimit,
    freeze,
    unfreezeAtEpoch,
    ...(unfreezeLrScale !== undefined && { unfreezeLrScale }),
    evalBatchSize: num(c, '', 'evalBatchSize', d.evalBatchSize, { integer: true, min: 1 }),
  };
  return config;
}
