/** The pipeline config a command line asks for: a preset, a config file merged over it, --out on top. */
import { ConfigError } from '@edgeml/core';
import { readJsonConfig } from '@edgeml/core/node';
import type { PipelineConfig } from './config-schema.js';
import { PRESETS, type PresetName } from './presets.js';
import { mergeConfig, validatePipelineConfig } from './validate-config.js';

/** Reads `file` (when given), merges it over `preset`, sets `out` (when given) and validates. */
export async function loadPipelineConfig(
  preset: PresetName,
  file: string | undefined,
  out: string | undefined,
): Promise<PipelineConfig> {
  let json: unknown = {};
  if (file !== undefined) {
    // A UTF-8 BOM is accepted; a number too large for a double is named by its path.
    json = await readJsonConfig(file);
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ConfigError(`${file}: '$' must be a JSON object`, { path: '$' });
  }
  const merged = mergeConfig(PRESETS[preset], json) as Record<string, unknown>;
  if (out !== undefined) merged.out = out;
  return validatePipelineConfig(merged, file ?? `preset '${preset}'`);
}
