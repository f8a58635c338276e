/**
 * Validates a pipeline config against PIPELINE_CONFIG_SCHEMA (the subset of JSON Schema it uses:
 * type, properties, additionalProperties false, enum, minimum/maximum (exclusive too), minLength,
 * items, minItems, uniqueItems) and fills in defaults. The first problem is a ConfigError naming the
 * JSON path of the bad key (`distill.epochs must be an integer >= 1, got "3"`).
 */
import { ConfigError, formatAllowed } from '@edgeml/core';
import { PIPELINE_CONFIG_SCHEMA, type PipelineConfig } from './config-schema.js';

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, types: readonly string[]): boolean {
  const t = typeOf(value);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

function fail(path: string, expected: string, got: unknown, where: string): never {
  throw new ConfigError(`${where}: '${path}' must be ${expected}, got ${JSON.stringify(got)}`, {
    path,
  });
}

function rangeText(s: Schema): string {
  const parts: string[] = [];
  if (typeof s.minimum === 'number') parts.push(`>= ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') parts.push(`<= ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  return parts.join(' and ');
}

function describe(s: Schema): string {
  if (Array.isArray(s.enum)) return formatAllowed(s.enum as string[]);
  const types = ([] as string[]).concat(s.type as string | string[]);
  const main = types
    .map((t) =>
      t === 'integer' ? 'an integer' : t === 'array' ? 'an array' : t === 'object' ? 'an object' : `a ${t}`,
    )
    .join(' or ');
  const range = rangeText(s);
  return range ? `${main} ${range}` : main;
}

function check(value: unknown, schema: Schema, path: string, where: string): unknown {
  const types = ([] as string[]).concat((schema.type as string | string[] | undefined) ?? []);
  if (types.length > 0 && !matchesType(value, types)) fail(path, describe(schema), value, where);
  if (value === null) return value;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail(path, describe(schema), value, where);
  if (typeof value === 'number') {
    const ok =
      (typeof schema.minimum !== 'number' || value >= schema.minimum) &&
      (typeof schema.maximum !== 'number' || value <= schema.maximum) &&
      (typeof schema.exclusiveMinimum !== 'number' || value > schema.exclusiveMinimum) &&
      (typeof schema.exclusiveMaximum !== 'number' || value < schema.exclusiveMaximum);
    if (!ok || !Number.isFinite(value)) fail(path, describe(schema), value, where);
  }
  if (typeof value === 'string' && typeof schema.minLength === 'number' && value.length < schema.minLength)
    fail(path, 'a non-empty string', value, where);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      fail(path, `an array of at least ${schema.minItems} item(s)`, value, where);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      fail(path, 'an array without duplicates', value, where);
    const items = schema.items as Schema | undefined;
    return items ? value.map((v, i) => check(v, items, `${path}[${i}]`, where)) : value;
  }
  if (typeOf(value) === 'object') return checkObject(value as Record<string, unknown>, schema, path, where);
  return value;
}

function checkObject(value: Record<string, unknown>, schema: Schema, path: string, where: string) {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const allowed = Object.keys(properties);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = path === '' ? key : `${path}.${key}`;
    if (!(key in properties)) {
      throw new ConfigError(
        `${where}: unknown key '${child}'; allowed${path === '' ? '' : ` in '${path}'`}: ${formatAllowed(allowed.filter((k) => k !== '$schema'))}`,
        { path: child, allowed },
      );
    }
  }
  for (const [key, child] of Object.entries(properties)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const given = value[key];
    if (given === undefined) {
      if (child.default === undefined) continue;
      out[key] = check(structuredClone(child.default), child, childPath, where);
    } else out[key] = check(given, child, childPath, where);
  }
  return out;
}

/** Checks `json` (a parsed edgeml.config.json, merged over a preset) and fills in every default. */
export function validatePipelineConfig(json: unknown, where = 'pipeline config'): PipelineConfig {
  if (typeOf(json) !== 'object') fail('$', 'a JSON object', json, where);
  return check(json, PIPELINE_CONFIG_SCHEMA as unknown as Schema, '', where) as PipelineConfig;
}

/** `override` merged into `base`: objects key by key, everything else replaced. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (typeOf(base) !== 'object' || typeOf(override) !== 'object')
    return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override as Record<string, unknown>)) out[k] = mergeConfig(out[k], v);
  return out;
}
