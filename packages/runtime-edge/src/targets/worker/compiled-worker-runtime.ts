/**
 * The code a Worker packaged with `--runtime edgeml-wasm` runs, bundled by the packager into
 * `src/edgeml-worker.js`: the model compiled by `edgeml compile` imported by the entry as a
 * precompiled module (wrangler `CompiledWasm`; workerd cannot compile Wasm from bytes), run by the
 * edgeml-wasm adapter, and the same Hono app as the onnxruntime-web Worker. No onnxruntime-web, no
 * `WebAssembly.compile` shim. Compiled modules take batch 1, so a batch request runs its images one
 * by one (the WorkerModel has no runBatch).
 *
 * The module is instantiated and run once on zeros when the Worker starts (createWorker runs in
 * the entry's global scope): copying the weights into the module's memory (3-4 ms for a 6.5 MB
 * float32 module) and compiling its code on first call happen in the isolate's startup (limited to
 * 1 s of CPU), not in its first request (limited to 10 ms on the free plan). A module that fails
 * to instantiate there is instantiated again on the first request, which answers the error.
 */
import { findModelFile } from '@edgeml/core';
import { loadEdgemlWasmAdapter } from '../../adapters/edgeml-wasm/edgeml-wasm-adapter.js';
import { createClassifierWith } from '../../classifier/create-classifier.js';
import { createWorkerFromFiles, type WorkerFilesInit } from './worker-files-app.js';

/** What the generated entry of an edgeml-wasm Worker hands over. */
export interface CompiledWorkerInit extends WorkerFilesInit {
  /** The package's compiled model (`model.wasm` / `model.int8.wasm`), imported as a compiled module. */
  readonly modelModule: WebAssembly.Module;
}

/** Instantiates `module` and runs it once (on its zeroed input); undefined when that fails. */
function startModel(module: WebAssembly.Module): WebAssembly.Instance | undefined {
  try {
    const instance = new WebAssembly.Instance(module, {});
    (instance.exports as { run(): void }).run();
    return instance;
  } catch {
    return undefined;
  }
}

/** The Worker's module export (`export default createWorker(...)`): a Hono app with `fetch`. */
export function createWorker(init: CompiledWorkerInit) {
  const instance = startModel(init.modelModule);
  return createWorkerFromFiles(
    init,
    async (pkg) => ({
      classifier: await createClassifierWith({ 'edgeml-wasm': loadEdgemlWasmAdapter }, pkg, {
        runtime: 'edgeml-wasm',
        precision: init.precision,
        edgemlWasm: instance ? { module: init.modelModule, instance } : { module: init.modelModule },
      }),
    }),
    (pkg) => findModelFile(pkg.manifest, 'wasm', init.precision, 'edgeml-wasm'),
  );
}
