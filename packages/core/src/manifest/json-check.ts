/**
 * Path-aware checks for hand-validating parsed JSON. Each check returns the value with its type
 * narrowed, or throws a ManifestInvalidError naming the JSON path, what was expected and what was
 * found: `manifest.files[2].sha256 must be a 64-char lowercase hex string, got "abc"`.
 */
import { formatAllowed, ManifestInvalidError } from '../errors.js';
import type { JsonObject, JsonValue } from './types.js';

/** Short printable form of a found value for error messages. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing (key missing)';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Throws the error for `path` holding `value` where `expected` was wanted. */
export function fail(path: string, expected: string, value: unknown): never {
  throw new ManifestInvalidError(`${path} must be ${expected}, got ${describeJson(value)}`, {
    path,
    expected,
    got: describeJson(value),
  });
}

/** Appends an object key to a JSON path, quoting keys that are not identifiers. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Checks a plain object whose keys are all in `allowed` (when given); names the first unknown key. */
export function checkObject(
  value: unknown,
  path: string,
  allowed?: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object', value);
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, '__proto__')) {
    throw new ManifestInvalidError(`${keyPath(path, '__proto__')} is not allowed as a key`, {
      path: keyPath(path, '__proto__'),
    });
  }
  if (allowed) {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) {
        throw new ManifestInvalidError(
          `${keyPath(path, key)} is not a known key; ${path} allows ${formatAllowed(allowed)}`,
          { path: keyPath(path, key), allowed: [...allowed] },
        );
      }
    }
  }
  return record;
}

/** Checks an array, optionally of an exact or minimum length. */
export function checkArray(
  value: unknown,
  path: string,
  length?: { exact?: number; min?: number },
): unknown[] {
  if (!Array.isArray(value)) fail(path, 'an array', value);
  if (length?.exact !== undefined && value.length !== length.exact) {
    fail(path, `an array of exactly ${length.exact}`, value);
  }
  if (length?.min !== undefined && value.length < length.min) {
    fail(path, `an array of at least ${length.min}`, value);
  }
  return value;
}

/** Checks a string, non-empty unless `allowEmpty`. */
export function checkString(value: unknown, path: string, allowEmpty = false): string {
  if (typeof value !== 'string') fail(path, allowEmpty ? 'a string' : 'a non-empty string', value);
  if (!allowEmpty && value.length === 0) fail(path, 'a non-empty string', value);
  return value;
}

/** Checks a finite number, optionally an integer and within bounds. */
export function checkNumber(
  value: unknown,
  path: string,
  rule: { integer?: boolean; min?: number; positive?: boolean } = {},
): number {
  const what = [
    rule.positive ? 'a positive' : rule.min === 0 ? 'a non-negative' : 'a finite',
    rule.integer ? 'integer' : 'number',
  ].join(' ');
  const bound = rule.min !== undefined && rule.min !== 0 ? ` >= ${rule.min}` : '';
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, what + bound, value);
  if (rule.integer && !Number.isSafeInteger(value)) fail(path, what + bound, value);
  if (rule.positive && value <= 0) fail(path, what + bound, value);
  if (rule.min !== undefined && value < rule.min) fail(path, what + bound, value);
  return value;
}

/** Checks that a value is one of `allowed`. */
export function checkEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(path, `one of ${formatAllowed(allowed)}`, value);
  }
  return value as T;
}

/** Checks a 64-char lowercase hex SHA-256 digest. */
export function checkSha256(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    fail(path, 'a 64-char lowercase hex string (SHA-256)', value);
  }
  return value;
}

/** Checks an ISO 8601 UTC-or-offset timestamp: `2025-01-31T12:00:00.000Z`. */
export function checkTimestamp(value: unknown, path: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  if (typeof value !== 'string' || !iso.test(value) || Number.isNaN(Date.parse(value))) {
    fail(path, 'an ISO 8601 timestamp like "2025-01-31T12:00:00.000Z"', value);
  }
  return value;
}

/** Checks plain JSON (null, boolean, finite number, string, array, object) and returns a copy. */
export function checkJson(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, 'a plain JSON value (numbers must be finite)', value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => checkJson(item, `${path}[${i}]`));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(path, 'a plain JSON object', value);
    return checkJsonObject(value, path);
  }
  return fail(path, 'a plain JSON value', value);
}

/** Checks a plain JSON object and returns a copy. */
export function checkJsonObject(value: unknown, path: string): JsonObject {
  const record = checkObject(value, path);
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(record)) copy[key] = checkJson(item, keyPath(path, key));
  return copy;
}
