/**
 * The options every zoo model takes, which optional ones each model supports, and their
 * validation: every bad value fails here with a ConfigError that names the option and its allowed
 * range, before any layer is created.
 */

import { ConfigError, formatAllowed } from '@edgeml/core';
import { INIT_SCHEMES, type InitScheme } from './seeded-initializers.js';

/** Options of `buildModel`. Only `inputShape` and `numClasses` are required. */
export interface ZooModelOptions {
  /** Input as [height, width, channels] (NHWC without the batch axis), e.g. [28, 28, 1]. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes: the width of the `logits` and `probs` layers. */
  readonly numClasses: number;
  /** Seed of every weight initializer; the same seed gives identical initial weights. @default 0 */
  readonly seed?: number;
  /**
   * Initialisation scheme: 'he' (He normal kernels, Glorot uniform logits, zero biases) or
   * 'pytorch' (PyTorch's Conv2d/Linear defaults: kernels and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
   * Every zoo model supports both. @default 'he'
   */
  readonly init?: InitScheme;
  /** Add squeeze-and-excitation to every residual block (resnet8, resnet20, mobilenetv2-tiny). @default false */
  readonly se?: boolean;
  /** Squeeze-and-excitation reduction ratio r: the gate's hidden layer has max(1, floor(C / r)) units. @default 4 */
  readonly seRatio?: number;
  /** Channel multiplier of mobilenetv2-tiny; channels are rounded to multiples of 8. @default 1 */
  readonly widthMultiplier?: number;
  /** Dropout rate before the logits (cnn-small: default 0.5; mobilenetv2-tiny: default 0.2). */
  readonly dropout?: number;
}

/** The optional options a model may or may not support. */
export type ZooOptionName = 'se' | 'seRatio' | 'widthMultiplier' | 'dropout';

/** What a model accepts: its smallest input side and the optional options it supports. */
export interface ZooModelTraits {
  /** Smallest height and width the architecture can take (every feature map stays >= 1x1). */
  readonly minInputSize: number;
  /** Optional options this model supports; any other must be left out (`se: false` is always accepted). */
  readonly supports: readonly ZooOptionName[];
  /** Dropout rate used when the caller gives none (only for models that support dropout). */
  readonly defaultDropout?: number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedZooOptions {
  /** [height, width, channels]. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  /** Seed of the initializers. */
  readonly seed: number;
  /** Initialisation scheme. */
  readonly init: InitScheme;
  /** Squeeze-and-excitation on or off. */
  readonly se: boolean;
  /** Squeeze-and-excitation reduction ratio. */
  readonly seRatio: number;
  /** Channel multiplier (1 where unsupported). */
  readonly widthMultiplier: number;
  /** Dropout rate (0 where unsupported). */
  readonly dropout: number;
}

/** Default squeeze-and-excitation ratio: 4 rather than the paper's 16, because the zoo's SE blocks see 8 to 192 channels. */
export const DEFAULT_SE_RATIO = 4;

/** Largest accepted input height or width. */
export const MAX_INPUT_SIZE = 4096;

const KNOWN_KEYS = [
  'inputShape',
  'numClasses',
  'seed',
  'init',
  'se',
  'seRatio',
  'widthMultiplier',
  'dropout',
] as const;

/** Checks `options` for the model `name` with `traits` and fills in the defaults. */
export function resolveZooOptions(
  name: string,
  options: ZooModelOptions,
  traits: ZooModelTraits,
): ResolvedZooOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`options of model '${name}' must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        `unknown option '${key}' for model '${name}': expected ${formatAllowed(KNOWN_KEYS)}`,
        {
          option: key,
          allowed: KNOWN_KEYS,
        },
      );
    }
  }
  const inputShape = checkInputShape(name, options.inputShape, traits.minInputSize);
  const numClasses = checkInteger('numClasses', options.numClasses, 2, 100_000);
  const seed = options.seed === undefined ? 0 : checkInteger('seed', options.seed, 0, 0xffff_ffff);

  const init = options.init === undefined ? 'he' : options.init;
  if (!(INIT_SCHEMES as readonly unknown[]).includes(init)) {
    throw new ConfigError(
      `'init' must be one of ${formatAllowed(INIT_SCHEMES)} (model '${name}'), got ${JSON.stringify(init)}`,
      { option: 'init', allowed: INIT_SCHEMES },
    );
  }
  for (const key of ['seRatio', 'widthMultiplier', 'dropout'] as const) {
    if (options[key] !== undefined && !traits.supports.includes(key)) throw unsupported(name, key, traits);
  }
  if (options.se !== undefined && typeof options.se !== 'boolean') {
    throw new ConfigError(`'se' must be true or false, got ${String(options.se)}`, { option: 'se' });
  }
  const se = options.se === true;
  if (se && !traits.supports.includes('se')) throw unsupported(name, 'se', traits);
  if (options.seRatio !== undefined && !se) {
    throw new ConfigError(`'seRatio' applies only with se: true (model '${name}')`, { option: 'seRatio' });
  }
  const seRatio =
    options.seRatio === undefined ? DEFAULT_SE_RATIO : checkInteger('seRatio', options.seRatio, 1, 256);
  const widthMultiplier =
    options.widthMultiplier === undefined
      ? 1
      : checkNumber('widthMultiplier', options.widthMultiplier, 0.1, 4, '[0.1, 4]');
  const dropout =
    options.dropout === undefined
      ? (traits.defaultDropout ?? 0)
      : checkNumber('dropout', options.dropout, 0, 1, '[0, 1)', true);
  return { inputShape, numClasses, seed, init, se, seRatio, widthMultiplier, dropout };
}

function unsupported(name: string, option: ZooOptionName, traits: ZooModelTraits): ConfigError {
  const supported = traits.supports.length > 0 ? formatAllowed(traits.supports) : 'none';
  return new ConfigError(`model '${name}' does not support option '${option}' (it supports: ${supported})`, {
    option,
    model: name,
    supported: traits.supports,
  });
}

function checkInputShape(
  name: string,
  shape: readonly number[] | undefined,
  minSize: number,
): readonly [number, number, number] {
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new ConfigError(`'inputShape' must be [height, width, channels], got ${JSON.stringify(shape)}`, {
      option: 'inputShape',
    });
  }
  const what = `for model '${name}'`;
  return [
    checkInteger('inputShape height', shape[0], minSize, MAX_INPUT_SIZE, what),
    checkInteger('inputShape width', shape[1], minSize, MAX_INPUT_SIZE, what),
    checkInteger('inputShape channels', shape[2], 1, 64, what),
  ];
}

function checkInteger(option: string, value: unknown, min: number, max: number, context = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const suffix = context ? ` ${context}` : '';
    throw new ConfigError(
      `'${option}' must be an integer in [${min}, ${max}]${suffix}, got ${String(value)}`,
      {
        option,
        min,
        max,
      },
    );
  }
  return value;
}

function checkNumber(
  option: string,
  value: unknown,
  min: number,
  max: number,
  range: string,
  maxExclusive = false,
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    (maxExclusive ? value < max : value <= max);
  if (!ok)
    throw new ConfigError(`'${option}' must be in ${range}, got ${String(value)}`, { option, min, max });
  return value as number;
}
