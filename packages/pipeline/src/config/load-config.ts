/** The pipeline config a command line asks for: a preset, a config file merged over it, --out on top. */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@edgeml/core';
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
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`--config ${file}: ${(error as Error).message}`, { option: 'config' });
    }
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, { option: 'config' });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ConfigError(`${file}: '$' must be a JSON object`, { path: '$' });
  }
  const merged = mergeConfig(PRESETS[preset], json) as Record<string, unknown>;
  if (out !== undefined) merged.out = out;
  return validatePipelineConfig(merged, file ?? `preset '${preset}'`);
}
