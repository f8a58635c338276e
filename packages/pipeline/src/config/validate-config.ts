/**
 * Validates a pipeline config with the declarations it is made of (config-schema.ts): the top-level
 * keys, then each section with its owner's declarations, so a bad value gets the same message as
 * the same option given as a CLI flag (`prune: 'sparsity' must be in [0, 1), got 1.2`); unknown
 * keys are refused at every level (`prune: unknown key 'sparsty'; allowed: ...`), defaults filled in.
 * The training sections' training-config objects are checked by the trainer's validator, with its
 * message (`teacher: 'optimizer.momentum' must be a number in [0, 1), got 1.5`).
 */
import { ConfigError, type JsonObject, type OptionDecls, readOptions } from '@edgeml/core';
import {
  PIPELINE_OPTIONS,
  PIPELINE_SECTIONS,
  type PipelineConfig,
  TRAINING_SECTIONS,
} from './config-schema.js';
import { readTrainingSection } from './training-section.js';

const SECTION_NAMES = Object.keys(PIPELINE_SECTIONS);

/** Checks `json` (a parsed edgeml.config.json, merged over a preset) and fills in every default. */
export function validatePipelineConfig(json: unknown, where = 'pipeline config'): PipelineConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ConfigError(`${where}: the config must be a JSON object, got ${JSON.stringify(json)}`);
  const top = readOptions(PIPELINE_OPTIONS, json, where, ['$schema', ...SECTION_NAMES]) as JsonObject;
  if (top['$schema'] !== undefined && typeof top['$schema'] !== 'string')
    throw new ConfigError(`${where}: '$schema' must be a string, got ${JSON.stringify(top['$schema'])}`);
  for (const [name, section] of Object.entries(PIPELINE_SECTIONS))
    top[name] = (TRAINING_SECTIONS as readonly string[]).includes(name)
      ? // Training keys as a training config has them (optimizer/schedule objects, augment),
        // checked by the trainer's validateTrainConfig.
        (readTrainingSection(
          section.options as OptionDecls,
          top[name],
          name,
          name === 'prune' ? 'finetuneEpochs' : 'epochs',
        ) as JsonObject)
      : readOptions(section.options as OptionDecls, top[name], name);
  const objective = top.objective as { targets: string[]; weights: number[] };
  if (objective.weights.length !== 0 && objective.weights.length !== objective.targets.length)
    throw new ConfigError(
      `objective: 'weights' must be empty or hold one weight per target (${objective.targets.length}), got ${objective.weights.length}`,
    );
  return top as unknown as PipelineConfig;
}

/** `override` merged into `base`: objects key by key, everything else replaced. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override as Record<string, unknown>)) out[k] = mergeConfig(out[k], v);
  return out;
}
