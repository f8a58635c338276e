/**
 * Options declared once. A pass, a command or a pipeline section declares each of its options here
 * (kind, range or allowed values, default, one-line description, CLI flag); everything else is
 * derived from that declaration: reading a plain-JSON config with defaults (`readOptions`), the
 * JSON Schema of a config section (`optionsJsonSchema`), a command's flags and their --help text
 * (see the CLI), and reading those flags back into JSON (`optionsFromFlags`). One validator means
 * one error style wherever the value came from:
 * `prune: 'sparsity' must be in [0, 1), got 1.2` for `--sparsity 1.2` and for
 * `"prune": {"sparsity": 1.2}` in a pipeline config alike.
 */
import { ConfigError, formatAllowed } from '../errors.js';
import type { JsonObject, JsonValue } from '../manifest/types.js';

interface DeclBase {
  /** One line for --help and the JSON Schema. */
  readonly description: string;
  /** CLI flag without dashes. @default the key in kebab case (`finetuneEpochs` → `finetune-epochs`) */
  readonly flag?: string;
  /** Placeholder of the flag's value in --help (`N`, `X`, `NAME`). */
  readonly placeholder?: string;
}

/** A number (`number`) or an integer (`integer`), within optional bounds; `nullable` also takes null. */
export interface NumberDecl extends DeclBase {
  readonly kind: 'number' | 'integer';
  readonly default: number | null;
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is not allowed. */
  readonly minExclusive?: boolean;
  /** `max` itself is not allowed. */
  readonly maxExclusive?: boolean;
  /** null is allowed (and means what the description says). */
  readonly nullable?: boolean;
}

/** One of a fixed list of strings. */
export interface ChoiceDecl extends DeclBase {
  readonly kind: 'choice';
  readonly values: readonly string[];
  readonly default: string;
}

/** true or false. */
export interface BooleanDecl extends DeclBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** A non-empty string, or null when `nullable`. */
export interface StringDecl extends DeclBase {
  readonly kind: 'string';
  readonly default: string | null;
  readonly nullable?: boolean;
}

/**
 * A list without duplicates: of `values` (strings), of positive integers (`integers`), or, with
 * neither, of any non-empty strings (names).
 */
export interface ListDecl extends DeclBase {
  readonly kind: 'list';
  readonly default: readonly (string | number)[];
  /** Allowed strings; absent with `integers` or for free names. */
  readonly values?: readonly string[];
  /** Items are integers >= 1 instead of strings. */
  readonly integers?: boolean;
  /** Fewest items. @default 1 */
  readonly minItems?: number;
}

/** One declared option. */
export type OptionDecl = NumberDecl | ChoiceDecl | BooleanDecl | StringDecl | ListDecl;

/** Declarations by config key. */
export type OptionDecls = Readonly<Record<string, OptionDecl>>;

/** The TypeScript type of a declared option's value. */
export type OptionValueOf<D> = D extends { kind: 'number' | 'integer' }
  ? D extends { nullable: true }
    ? number | null
    : number
  : D extends { kind: 'choice'; values: readonly (infer V)[] }
    ? V
    : D extends { kind: 'boolean' }
      ? boolean
      : D extends { kind: 'string' }
        ? D extends { nullable: true }
          ? string | null
          : string
        : D extends { kind: 'list'; integers: true }
          ? number[]
          : D extends { kind: 'list'; values: readonly (infer V)[] }
            ? V[]
            : D extends { kind: 'list' }
              ? string[]
              : never;

/** The validated config of a set of declarations (what `readOptions` returns). */
export type OptionsOf<D extends OptionDecls> = { -readonly [K in keyof D]: OptionValueOf<D[K]> };

/** `decls` without the options in `keys` (a section that sets them itself). */
export function omitOptions<D extends OptionDecls, K extends keyof D & string>(
  decls: D,
  keys: readonly K[],
): Omit<D, K> {
  return Object.fromEntries(
    Object.entries(decls).filter(([k]) => !(keys as readonly string[]).includes(k)),
  ) as Omit<D, K>;
}

/**
 * `decls` with every key prefixed (`epochs` → `qatEpochs`) and flags derived from the new keys
 * unless declared: a nested group of options (QAT's) exposed flat in a CLI or a config section.
 */
export function prefixOptions<D extends OptionDecls, P extends string>(
  decls: D,
  prefix: P,
): { readonly [K in keyof D & string as `${P}${Capitalize<K>}`]: D[K] } {
  return Object.fromEntries(
    Object.entries(decls).map(([k, d]) => [`${prefix}${k.charAt(0).toUpperCase()}${k.slice(1)}`, d]),
  ) as { readonly [K in keyof D & string as `${P}${Capitalize<K>}`]: D[K] };
}

/** The CLI flag of an option: its `flag`, else its key in kebab case. */
export function optionFlag(key: string, decl: OptionDecl): string {
  return decl.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function rangeText(d: NumberDecl): string {
  const { min, max, minExclusive, maxExclusive } = d;
  if (min !== undefined && max !== undefined)
    return `in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
  if (min !== undefined) return `${minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${maxExclusive ? '<' : '<='} ${max}`;
  return '';
}

/** What a declaration accepts, as the error messages say it: `in [0, 1)`, `an integer >= 1 or null`. */
export function expectedText(decl: OptionDecl): string {
  switch (decl.kind) {
    case 'number':
    case 'integer': {
      const range = rangeText(decl);
      const base =
        decl.kind === 'integer'
          ? `an integer${range === '' ? '' : ` ${range}`}`
          : range === ''
            ? 'a finite number'
            : range;
      return decl.nullable ? `${base} or null` : base;
    }
    case 'choice':
      return formatAllowed(decl.values);
    case 'boolean':
      return 'true or false';
    case 'string':
      return decl.nullable ? 'a non-empty string or null' : 'a non-empty string';
    case 'list': {
      const least = (decl.minItems ?? 1) === 0 ? '' : ' (at least one)';
      if (decl.integers) return `a list of distinct integers >= 1${least}`;
      if (decl.values === undefined) return `a list of distinct non-empty strings${least}`;
      return `a list of distinct values from ${formatAllowed(decl.values)}${least}`;
    }
  }
}

function inRange(v: number, d: NumberDecl): boolean {
  if (d.min !== undefined && (d.minExclusive ? v <= d.min : v < d.min)) return false;
  if (d.max !== undefined && (d.maxExclusive ? v >= d.max : v > d.max)) return false;
  return true;
}

function valid(decl: OptionDecl, v: unknown): boolean {
  switch (decl.kind) {
    case 'number':
    case 'integer':
      if (v === null) return decl.nullable === true;
      return (
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (decl.kind === 'number' || Number.isSafeInteger(v)) &&
        inRange(v, decl)
      );
    case 'choice':
      return typeof v === 'string' && decl.values.includes(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return (v === null && decl.nullable === true) || (typeof v === 'string' && v !== '');
    case 'list': {
      if (!Array.isArray(v) || v.length < (decl.minItems ?? 1)) return false;
      if (new Set(v.map((x) => JSON.stringify(x))).size !== v.length) return false;
      return v.every((x) =>
        decl.integers
          ? typeof x === 'number' && Number.isSafeInteger(x) && x >= 1
          : typeof x === 'string' && x !== '' && (decl.values === undefined || decl.values.includes(x)),
      );
    }
  }
}

/** Checks one value (`undefined`: the default) and returns it; a ConfigError names `where`, the key and the range. */
export function checkOption(decl: OptionDecl, key: string, value: unknown, where: string): JsonValue {
  const v = value === undefined ? decl.default : value;
  if (!valid(decl, v)) {
    throw new ConfigError(`${where}: '${key}' must be ${expectedText(decl)}, got ${JSON.stringify(v)}`, {
      key,
      expected: expectedText(decl),
    });
  }
  return (Array.isArray(v) ? [...v] : v) as JsonValue;
}

/** Whether `json` is a plain object. */
function isRecord(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/**
 * Reads a plain-JSON config against `decls`: every declared key checked (defaults filled in),
 * unknown keys refused (a typo never runs with a default). Keys in `passThrough` are copied
 * unchecked (for nested objects that their own reader checks).
 */
export function readOptions<D extends OptionDecls>(
  decls: D,
  json: unknown,
  where: string,
  passThrough: readonly string[] = [],
): OptionsOf<D> & Record<string, JsonValue | undefined> {
  if (json !== undefined && json !== null && !isRecord(json))
    throw new ConfigError(`${where}: the config must be a JSON object, got ${JSON.stringify(json)}`);
  const given: Record<string, unknown> = isRecord(json) ? json : {};
  const allowed = [...Object.keys(decls), ...passThrough];
  const unknown = Object.keys(given).filter((k) => !allowed.includes(k) || isUnsafeKey(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${where}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; allowed: ${formatAllowed(allowed)}`,
      { keys: unknown, allowed },
    );
  }
  const out: JsonObject = {};
  for (const [key, decl] of Object.entries(decls)) out[key] = checkOption(decl, key, given[key], where);
  for (const key of passThrough) if (given[key] !== undefined) out[key] = given[key] as JsonValue;
  return out as OptionsOf<D> & Record<string, JsonValue | undefined>;
}

/** Keys that would reach Object.prototype when assigned: never config keys. */
function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** The JSON Schema (draft-07) of one option. */
export function optionJsonSchema(decl: OptionDecl): JsonObject {
  const description = decl.description;
  switch (decl.kind) {
    case 'number':
    case 'integer': {
      const bounds: JsonObject = {};
      if (decl.min !== undefined) bounds[decl.minExclusive ? 'exclusiveMinimum' : 'minimum'] = decl.min;
      if (decl.max !== undefined) bounds[decl.maxExclusive ? 'exclusiveMaximum' : 'maximum'] = decl.max;
      return {
        type: decl.nullable ? [decl.kind, 'null'] : decl.kind,
        ...bounds,
        default: decl.default,
        description,
      };
    }
    case 'choice':
      return { type: 'string', enum: [...decl.values], default: decl.default, description };
    case 'boolean':
      return { type: 'boolean', default: decl.default, description };
    case 'string':
      return {
        type: decl.nullable ? ['string', 'null'] : 'string',
        minLength: 1,
        default: decl.default,
        description,
      };
    case 'list':
      return {
        type: 'array',
        // A list without `values` takes free names (e.g. IR node names): any non-empty string.
        items: decl.integers
          ? { type: 'integer', minimum: 1 }
          : decl.values === undefined
            ? { type: 'string', minLength: 1 }
            : { type: 'string', enum: [...decl.values] },
        uniqueItems: true,
        minItems: decl.minItems ?? 1,
        default: [...decl.default],
        description,
      };
  }
}

/** The JSON Schema of a config object with these options (no other keys allowed). */
export function optionsJsonSchema(decls: OptionDecls, description: string): JsonObject {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(decls).map(([k, d]) => [k, optionJsonSchema(d)])),
    default: {},
  };
}

/** The default of an option as --help shows it (`0.5`, `per-layer`, `1,32`; null as `none`). */
export function defaultText(decl: OptionDecl): string {
  const d = decl.default;
  if (d === null) return 'none';
  return Array.isArray(d) ? d.join(',') : String(d);
}

/**
 * Turns CLI flag values (strings as typed, booleans for boolean flags) into a JSON config with the
 * keys the user gave, converted by kind, so that `readOptions` checks them with the same messages
 * as a JSON config. A value that is not a number stays a string and is refused there
 * (`'sparsity' must be in [0, 1), got "abc"`); `null` (`--lr null`) is null for nullable options.
 */
export function optionsFromFlags(
  decls: OptionDecls,
  values: Readonly<Record<string, string | boolean | undefined>>,
): JsonObject {
  const out: JsonObject = {};
  for (const [key, decl] of Object.entries(decls)) {
    const raw = values[optionFlag(key, decl)];
    if (raw === undefined) continue;
    out[key] = fromFlag(decl, raw);
  }
  return out;
}

function fromFlag(decl: OptionDecl, raw: string | boolean): JsonValue {
  if (typeof raw === 'boolean') return raw;
  const text = raw.trim();
  if ('nullable' in decl && decl.nullable && text === 'null') return null;
  switch (decl.kind) {
    case 'number':
    case 'integer':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : raw;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : raw;
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => (decl.integers && Number.isFinite(Number(s)) ? Number(s) : s));
    default:
      return raw;
  }
}
