/**
 * Option readers shared by commands: each checks its value and throws a ConfigError naming the
 * option, the allowed values and what it got (exit code 2).
 */
import {
  ConfigError,
  defaultText,
  formatAllowed,
  type OptionDecls,
  type OptionsOf,
  optionFlag,
  optionsFromFlags,
  readOptions,
} from '@edgeml/core';
import { DATASET_OPTIONS as DATASET_OPTION_DECLS } from '@edgeml/trainer';
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

/**
 * The flags of declared options (see core's `declare.ts`): one flag per option (its `flag` or its
 * key in kebab case), help text and default from the declaration. `omit` leaves keys out.
 */
export function flagsOf(decls: OptionDecls, omit: readonly string[] = []): Record<string, OptionSpec> {
  const flags: Record<string, OptionSpec> = {};
  for (const [key, decl] of Object.entries(decls)) {
    if (omit.includes(key)) continue;
    flags[optionFlag(key, decl)] = {
      type: decl.kind === 'boolean' ? 'boolean' : 'string',
      description: decl.description,
      ...(decl.placeholder !== undefined && { placeholder: decl.placeholder }),
      ...(decl.kind !== 'boolean' && decl.default !== null && { default: defaultText(decl) }),
    };
  }
  return flags;
}

/**
 * Reads declared options from flags with the declarations' validator: the same defaults and the
 * same messages as a JSON config, followed by the flag the user typed
 * (`prune: 'sparsity' must be in [0, 1), got 1.2 (--sparsity)`).
 */
export function declaredOptions<D extends OptionDecls>(
  decls: D,
  values: OptionValues,
  where: string,
): OptionsOf<D> {
  try {
    return readOptions(decls, optionsFromFlags(decls, values), where);
  } catch (error) {
    const key = error instanceof ConfigError ? error.details['key'] : undefined;
    const decl = typeof key === 'string' ? decls[key] : undefined;
    if (decl === undefined) throw error;
    throw new ConfigError(`${(error as Error).message} (--${optionFlag(key as string, decl)})`, {
      ...(error as ConfigError).details,
      option: optionFlag(key as string, decl),
    });
  }
}

/**
 * The data-set options of a command that acts on a model: the same flags, whose default is the
 * data set the model was trained on (its `manifest.data`), laid over it when given.
 */
export const MODEL_DATASET_OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  Object.entries(flagsOf(DATASET_OPTION_DECLS)).map(([flag, { default: _d, ...spec }]) => [
    flag,
    { ...spec, description: `${spec.description}; default: the model's own data set` },
  ]),
);
MODEL_DATASET_OPTIONS['seed'] = {
  type: 'string',
  placeholder: 'S',
  description: "seed of the validation split; default: the model's own",
};

/** The options every data-reading command takes: the declared data-set options and the seed. */
export const DATASET_OPTIONS: Record<string, OptionSpec> = {
  ...flagsOf(DATASET_OPTION_DECLS),
  seed: {
    type: 'string',
    placeholder: 'S',
    description: 'seed of the validation split and shuffles',
    default: '0',
  },
};
