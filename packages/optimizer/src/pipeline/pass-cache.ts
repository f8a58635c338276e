/**
 * The pass cache: each finished run is an ordinary model package in `<cacheDir>/<pass>-<key>/`
 * (its report in report.json, with every file the pass added), keyed by the SHA-256 of the
 * canonical JSON of (pass name, pass version, config, input manifest sha256, data set identity,
 * TF.js backend). A hit loads and verifies the package, files and all, instead of running the
 * pass. Packages are written atomically, so a killed run leaves no entry.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type JsonObject, type JsonValue, sha256Hex } from '@edgeml/core';
import { loadPassPackage, PASS_REPORT_PATH, type PassPackage, savePassPackage } from './pass-package.js';

/** What identifies a pass run. */
export interface CacheKeyParts {
  readonly pass: string;
  readonly version: number;
  readonly config: JsonObject;
  readonly input: string;
  /** SHA-256 of the data set's info, when the pass uses data; else null. */
  readonly dataset: string | null;
  /** The TF.js backend (`tf.getBackend()`) when the pass uses data (trains, calibrates); else null. */
  readonly backend: string | null;
}

/** JSON with object keys sorted at every level, so equal configs hash equally. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** The cache key (64 hex characters) of a pass run. */
export async function cacheKey(parts: CacheKeyParts): Promise<string> {
  return sha256Hex(canonicalJson(parts as unknown as JsonObject));
}

/** Directory of a cache entry. */
export function cacheEntryDir(cacheDir: string, pass: string, key: string): string {
  return join(cacheDir, `${pass}-${key.slice(0, 24)}`);
}

/** The cached output and report, or null when there is no complete entry. */
export async function readCachedResult<Report extends JsonObject>(
  cacheDir: string,
  pass: string,
  key: string,
): Promise<{ output: PassPackage; report: Report } | null> {
  const dir = cacheEntryDir(cacheDir, pass, key);
  const manifest = await stat(join(dir, 'manifest.json')).catch(() => null);
  if (manifest === null) return null;
  const output = await loadPassPackage(dir);
  const report = JSON.parse(await readFile(join(dir, PASS_REPORT_PATH), 'utf8')) as Report;
  return { output, report };
}

/** Stores a pass's output package (with its report.json) under its key. */
export async function writeCachedResult(
  cacheDir: string,
  pass: string,
  key: string,
  output: PassPackage,
): Promise<void> {
  await savePassPackage(output, cacheEntryDir(cacheDir, pass, key));
}
