/**
 * Test helper: writes a compiled model's model.wasm and model.js into a temporary directory and
 * loads it through model.js's own `load()`, exactly as a user of the output would.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledModel } from '../compile-graph.js';

/** What model.js's `load()` resolves to. */
export interface LoadedModel {
  run(input: Float32Array): Float32Array;
}

/** Loads `compiled` via its generated model.js (Node: no argument, model.wasm beside it). */
export async function loadCompiled(compiled: CompiledModel): Promise<LoadedModel> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeml-compiled-'));
  try {
    await writeFile(join(dir, 'model.wasm'), compiled.wasm);
    await writeFile(join(dir, 'model.js'), compiled.js);
    const module = (await import(pathToFileURL(join(dir, 'model.js')).href)) as {
      load(): Promise<LoadedModel>;
    };
    return await module.load();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
