/**
 * The pipeline's stage cache. Each finished stage leaves `<run>/<stage>/stage.json`: its key (the
 * SHA-256 of the canonical JSON of stage name, stage version, the stage's config with the TF.js
 * backend, and the identity of every input: the manifest sha256 of each input package, the data
 * set's for train; the same canonical JSON as the optimizer's pass cache), its output packages,
 * report and timing. A rerun whose key
 * matches, and whose output packages still verify, reuses the stage instead of running it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JsonObject, type JsonValue, sha256Hex } from '@edgeml/core';
import { readModelPackageDir, writeJsonAtomic } from '@edgeml/core/node';
import { canonicalJson } from '@edgeml/optimizer';

/** File name of a stage's record inside its directory. */
export const STAGE_RECORD_FILE = 'stage.json';

/** One input of a stage: a package (by its manifest sha256) or another identity. */
export interface StageInput {
  readonly name: string;
  readonly sha256: string;
}

/** What a finished stage recorded. */
export interface StageRecord {
  readonly stage: string;
  readonly version: number;
  readonly key: string;
  readonly config: JsonValue;
  readonly inputs: readonly StageInput[];
  /** Output model packages, relative to the stage directory, by role (`teacher`, `final`, ...). */
  readonly packages: Readonly<Record<string, string>>;
  /** Other outputs (reports, target directories), relative to the stage directory. */
  readonly files: Readonly<Record<string, string>>;
  readonly report: JsonObject;
  /** The package later stages continue from, when the stage names one (a gated pass). */
  readonly next?: { readonly stage: string; readonly role: string };
  readonly durationS: number;
  readonly finishedAt: string;
}

/** The cache key of a stage run. */
export async function stageKey(
  stage: string,
  version: number,
  config: JsonValue,
  inputs: readonly StageInput[],
): Promise<string> {
  return sha256Hex(
    canonicalJson({ stage, version, config, inputs: inputs.map((i) => ({ ...i })) } as JsonObject),
  );
}

/** SHA-256 of a package directory's manifest.json text (its identity). */
export async function manifestSha256(packageDir: string): Promise<string> {
  return sha256Hex(await readFile(join(packageDir, 'manifest.json'), 'utf8'));
}

/** The record in `stageDir`, or null when there is none (or it is unreadable). */
export async function readStageRecord(stageDir: string): Promise<StageRecord | null> {
  try {
    return JSON.parse(await readFile(join(stageDir, STAGE_RECORD_FILE), 'utf8')) as StageRecord;
  } catch {
    return null;
  }
}

/** Writes the record atomically (the last thing a stage does: no record, no reuse). */
export async function writeStageRecord(stageDir: string, record: StageRecord): Promise<void> {
  await writeJsonAtomic(join(stageDir, STAGE_RECORD_FILE), record as unknown as JsonValue);
}

/** True when every output package of `record` is present and every file matches its manifest hash. */
export async function outputsVerify(stageDir: string, record: StageRecord): Promise<boolean> {
  try {
    for (const dir of Object.values(record.packages))
      await readModelPackageDir(join(stageDir, dir), { verify: true });
    return true;
  } catch {
    return false;
  }
}
