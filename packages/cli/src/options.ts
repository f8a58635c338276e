/**
 * Option readers shared by commands: each checks its value and throws a ConfigError naming the
 * option, the allowed values and what it got (exit code 2).
 */
import { ConfigError, formatAllowed } from '@edgeml/core';
import type { OptionSpec, OptionValues } from './command.js';

/** Reads a string option, or its default; missing and no default → ConfigError. */
export function stringOption(values: OptionValues, name: string, fallback?: string): string {
  const value = values[name];
  if (typeof value === 'string' && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(`--${name} is required`, { option: name });
}

/** Reads an optional string option. */
export function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads one of a fixed set of values. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T {
  const value = stringOption(values, name, fallback);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`--${name} must be ${formatAllowed(allowed)}, got '${value}'`, {
      option: name,
      allowed,
    });
  }
  return value as T;
}

/** Reads an integer option within [min, max]. */
export function intOption(
  values: OptionValues,
  name: string,
  {
    min = Number.MIN_SAFE_INTEGER,
    max = Number.MAX_SAFE_INTEGER,
    fallback,
  }: { min?: number; max?: number; fallback?: number },
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`--${name} is required`, { option: name });
  }
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ConfigError(`--${name} must be an integer ${range}, got '${String(raw)}'`, { option: name });
  }
  return value;
}

/** Reads an optional integer option within [min, max]. */
export function optionalInt(values: OptionValues, name: string, range: { min?: number; max?: number }) {
  return values[name] === undefined ? undefined : intOption(values, name, range);
}

/** Reads a number option within [min, max]. */
export function numberOption(
  values: OptionValues,
  name: string,
  { min = -Infinity, max = Infinity, fallback }: { min?: number; max?: number; fallback?: number },
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`--${name} is required`, { option: name });
  }
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`--${name} must be a number in [${min}, ${max}], got '${String(raw)}'`, {
      option: name,
    });
  }
  return value;
}

/** The options every data-reading command takes. */
export const DATASET_OPTIONS: Record<string, OptionSpec> = {
  dataset: {
    type: 'string',
    placeholder: 'NAME',
    description:
      "data set: 'fashion-mnist', 'mnist', 'cifar10' (built in, or a copy with --data-dir) or 'image-folder' (with --data-dir); commands on a model default to the data set it was trained on",
    default: 'fashion-mnist',
  },
  'data-dir': {
    type: 'string',
    placeholder: 'DIR',
    description: 'directory of an image-folder data set or of a cifar10 copy (binary batches)',
  },
  'validation-size': {
    type: 'string',
    placeholder: 'N',
    description: 'images carved from the training pool for validation (default: 10% of the pool)',
  },
  'image-size': {
    type: 'string',
    placeholder: 'PX',
    description: 'image-folder only: resize images to PX x PX (default: the size of the first image)',
  },
  fit: {
    type: 'string',
    placeholder: 'FIT',
    description:
      "image-folder only: 'stretch' or 'center-crop' (shorter side resized, centre cropped) for other aspect ratios",
    default: 'stretch',
  },
  seed: {
    type: 'string',
    placeholder: 'S',
    description: 'seed of the validation split and shuffles',
    default: '0',
  },
};
