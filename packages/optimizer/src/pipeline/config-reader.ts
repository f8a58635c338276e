/**
 * Reads a pass's plain-JSON config key by key, checking each value when the pass is created, and
 * throws a ConfigError that names the pass, the key, the allowed range or values and what it got
 * (`prune: 'sparsity' must be in [0, 1), got 1.2`). Unknown keys are errors, so a typo never runs
 * with a default.
 */
import { ConfigError, formatAllowed } from '@edgeml/core';

/** A numeric range; `exclusive` bounds are open. */
export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

function describeRange({ min, max, minExclusive, maxExclusive }: NumberRange): string {
  if (min !== undefined && max !== undefined)
    return `in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
  if (min !== undefined) return `${minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${maxExclusive ? '<' : '<='} ${max}`;
  return 'a finite number';
}

function inRange(v: number, r: NumberRange): boolean {
  if (r.min !== undefined && (r.minExclusive ? v <= r.min : v < r.min)) return false;
  if (r.max !== undefined && (r.maxExclusive ? v >= r.max : v > r.max)) return false;
  return true;
}

/** Typed, range-checked access to the keys of one config object. */
export class ConfigReader {
  private readonly values: Record<string, unknown>;
  private readonly read = new Set<string>();

  /** `json` must be a plain object (or undefined for all defaults); `where` prefixes messages. */
  constructor(
    json: unknown,
    private readonly where: string,
  ) {
    if (json === undefined || json === null) this.values = {};
    else if (typeof json === 'object' && !Array.isArray(json)) this.values = json as Record<string, unknown>;
    else throw new ConfigError(`${where}: the config must be a JSON object, got ${JSON.stringify(json)}`);
  }

  private fail(key: string, expected: string, got: unknown, details: Record<string, unknown> = {}): never {
    throw new ConfigError(`${this.where}: '${key}' must be ${expected}, got ${JSON.stringify(got)}`, {
      key,
      ...details,
    });
  }

  private raw(key: string): unknown {
    this.read.add(key);
    return this.values[key];
  }

  /** A number in `range` (default when absent). */
  number(key: string, fallback: number, range: NumberRange = {}): number {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !inRange(v, range))
      this.fail(key, describeRange(range), v, { range });
    return v;
  }

  /** An integer in `range`. */
  int(key: string, fallback: number, range: NumberRange = {}): number {
    const v = this.number(key, fallback, range);
    if (!Number.isInteger(v)) this.fail(key, `an integer ${describeRange(range)}`, v, { range });
    return v;
  }

  /** An integer in `range`, or null (the default) when absent. */
  optionalInt(key: string, range: NumberRange = {}): number | null {
    const v = this.raw(key);
    return v === undefined || v === null ? null : this.int(key, 0, range);
  }

  /** One of `allowed`. */
  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      this.fail(key, formatAllowed(allowed), v, { allowed });
    return v as T;
  }

  /** A boolean. */
  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  /** A non-empty string. */
  string(key: string, fallback?: string): string {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'string' || v === '') this.fail(key, 'a non-empty string', v);
    return v;
  }

  /** A plain JSON object passed through unchecked (checked by whoever consumes it), or the default. */
  object<T extends object>(key: string, fallback: T): T {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'a JSON object', v);
    return v as T;
  }

  /** Throws for keys that were never read (typos, keys of another pass). */
  done(): void {
    const unknown = Object.keys(this.values).filter((k) => !this.read.has(k));
    if (unknown.length > 0) {
      throw new ConfigError(
        `${this.where}: unknown config key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; allowed: ${formatAllowed([...this.read])}`,
        { keys: unknown, allowed: [...this.read] },
      );
    }
  }
}
