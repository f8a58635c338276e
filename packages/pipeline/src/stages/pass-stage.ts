/**
 * Runs an optimizer pass (distill, prune) as a pipeline stage: loads the input package, runs the
 * pass on the data set with the stage's progress, and saves the output package under a new name
 * (the name the bench and the report show).
 */
import { join } from 'node:path';
import type { JsonObject } from '@edgeml/core';
import { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import { loadPassPackage, type Pass, type PassResult, savePassPackage } from '@edgeml/optimizer';
import type { StageContext } from '../engine/stage.js';

/** Runs `pass` on the package in `inputDir`; writes the output as package `name` in `dir/name`. */
export async function runPassStage<R extends JsonObject>(
  ctx: StageContext,
  pass: Pass<JsonObject, R>,
  inputDir: string,
  dir: string,
  name: string,
): Promise<PassResult<R>> {
  const input = await loadPassPackage(inputDir);
  const result = await pass.run(input, {
    dataset: await ctx.dataset(),
    toolVersion: TOOL_VERSION,
    onProgress: ctx.onProgress,
  });
  await savePassPackage({ ...result.output, manifest: { ...result.output.manifest, name } }, join(dir, name));
  return result;
}
