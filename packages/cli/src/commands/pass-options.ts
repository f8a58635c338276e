/**
 * Options and steps shared by the pass commands (prune, distill): backend, training budget,
 * evaluation subset, pass cache, and running a pass with a progress display then saving its output.
 */
import { resolve } from 'node:path';
import { type JsonObject, omitOptions } from '@edgeml/core';
import { type Pass, type PassPackage, type PassResult, savePassPackage } from '@edgeml/optimizer';
import {
  BACKEND_NAMES,
  type BackendRequest,
  type Dataset,
  selectBackend,
  TRAINING_OPTIONS,
  trainConfigInput,
} from '@edgeml/trainer';
import type { OptionSpec, OptionValues } from '../command.js';
import { choiceOption, declaredOptions, optionalInt, optionalString } from '../options.js';
import type { Output } from '../output.js';
import { createProgressDisplay } from '../progress.js';
import { TOOL_VERSION } from '../version.js';

/** Options every pass command takes. */
export const PASS_OPTIONS: Record<string, OptionSpec> = {
  backend: {
    type: 'string',
    placeholder: 'NAME',
    description: `TF.js backend: ${BACKEND_NAMES.join(', ')}`,
    default: 'auto',
  },
  threads: { type: 'string', placeholder: 'N', description: 'wasm threads (default: all cores, at most 8)' },
  'cache-dir': {
    type: 'string',
    placeholder: 'DIR',
    description: 'pass cache: a re-run with the same input and config is skipped',
    default: 'runs/.pass-cache',
  },
  'no-cache': { type: 'boolean', description: 'neither read nor write the pass cache' },
};

/** The training flags of a pass command whose epochs come from another option (prune's --finetune-epochs). */
export const FINETUNE_OPTIONS = omitOptions(TRAINING_OPTIONS, ['epochs']);

/**
 * The trainer config (JSON) of a pass's training runs from the declared training flags
 * (--epochs, --batch, --limit, --optimizer, --lr, --schedule) and --seed; `epochs` overrides --epochs.
 */
export function trainConfigFromOptions(values: OptionValues, where: string, epochs?: number): JsonObject {
  const seed = optionalInt(values, 'seed', { min: 0 }) ?? 0;
  if (epochs === undefined) return trainConfigInput(declaredOptions(TRAINING_OPTIONS, values, where), seed);
  return trainConfigInput({ ...declaredOptions(FINETUNE_OPTIONS, values, where), epochs }, seed);
}

/** Selects the backend the options ask for, notes it and returns its name and detail. */
export async function selectBackendFromOptions(
  values: OptionValues,
  out: Output,
): Promise<{ name: string; detail: string }> {
  const name = choiceOption<BackendRequest>(values, 'backend', BACKEND_NAMES, 'auto');
  const threads = optionalInt(values, 'threads', { min: 1, max: 64 });
  const backend = await selectBackend(name, threads === undefined ? {} : { threads });
  out.note(`backend: ${backend.name} (${backend.detail})`);
  return { name: backend.name, detail: backend.detail };
}

/** Runs `pass` on `input` with a progress display and the cache, then saves the output package to `outDir`. */
export async function runPassCommand<R extends JsonObject>(
  pass: Pass<JsonObject, R>,
  input: PassPackage,
  dataset: Dataset,
  values: OptionValues,
  outDir: string,
  out: Output,
): Promise<PassResult<R>> {
  const cacheDir = values['no-cache']
    ? undefined
    : resolve(optionalString(values, 'cache-dir') ?? 'runs/.pass-cache');
  const progress = createProgressDisplay(out);
  let result: PassResult<R>;
  try {
    result = await pass.run(input, {
      dataset,
      toolVersion: TOOL_VERSION,
      onProgress: progress.onProgress,
      ...(cacheDir !== undefined && { cacheDir }),
    });
  } finally {
    progress.stop();
  }
  if (result.cached) out.note(`${pass.name}: cache hit (${result.key.slice(0, 12)}), the pass did not run`);
  await savePassPackage(result.output, outDir);
  return result;
}

/** `12.34%`. */
export const percent = (v: number) => `${(v * 100).toFixed(2)}%`;
/** `1.23 M`. */
export const millions = (v: number) => `${(v / 1e6).toFixed(2)} M`;
