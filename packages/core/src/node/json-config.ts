/**
 * Reading a JSON config file as people write them: a UTF-8 byte-order mark (Windows editors add
 * one) is accepted, and a number JSON.parse turns into Infinity (`1e400`) is refused with its path,
 * instead of reaching a validator that can only print it as `null`. Keys that would reach
 * Object.prototype when a config is merged (`__proto__`, `constructor`, `prototype`) are refused
 * wherever they are, since a merge may drop them before any validator sees them.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** The UTF-8 byte-order mark as JSON.parse sees it after decoding. */
const BOM = '\uFEFF';

/** Parses config `text` (from `file`, for messages): BOM stripped, non-finite numbers refused. */
export function parseJsonConfig(text: string, file: string, option = 'config'): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text.startsWith(BOM) ? text.slice(BOM.length) : text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, { option, file });
  }
  const unsafe = unsafeKey(json, '$');
  if (unsafe !== undefined) {
    throw new ConfigError(
      `${file}: '${unsafe}' is not a config key (a key named __proto__, constructor or prototype is never one)`,
      { option, file, path: unsafe },
    );
  }
  const found = nonFinite(json, '$');
  if (found !== undefined) {
    throw new ConfigError(
      `${file}: '${found.path}' is a number too large for a double (JSON.parse reads it as ${found.value}); use a finite number`,
      { option, file, path: found.path },
    );
  }
  return json;
}

/** Reads and parses the JSON config `file` (see parseJsonConfig); a missing file names the option. */
export async function readJsonConfig(file: string, option = 'config'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError(`--${option} ${file}: ${reason}`, { option, file });
  }
  return parseJsonConfig(text, file, option);
}

const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** The JSON path of an item of `value` (an array index or an object key). */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** The items of an array or object with their paths; none for anything else. */
function children(value: unknown, path: string): [string, unknown][] {
  if (Array.isArray(value)) return value.map((item, i) => [childPath(path, i), item]);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).map(([key, item]) => [childPath(path, key), item]);
  return [];
}

/** The JSON path of the first key named __proto__, constructor or prototype in `value`, or undefined. */
function unsafeKey(value: unknown, path: string): string | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const key = Object.keys(value).find((k) => UNSAFE_KEYS.includes(k));
    if (key !== undefined) return childPath(path, key);
  }
  for (const [itemPath, item] of children(value, path)) {
    const found = unsafeKey(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The JSON path and value of the first non-finite number in `value`, or undefined. */
function nonFinite(value: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, value };
  for (const [itemPath, item] of children(value, path)) {
    const found = nonFinite(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
