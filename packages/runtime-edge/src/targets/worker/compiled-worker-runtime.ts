/**
 * The code a Worker packaged with `--runtime edgeml-wasm` runs, bundled by the packager into
 * `src/edgeml-worker.js`: the model compiled by `edgeml compile` imported by the entry as a
 * precompiled module (wrangler `CompiledWasm`; workerd cannot compile Wasm from bytes), run by the
 * edgeml-wasm adapter, and the same Hono app as the onnxruntime-web Worker. No onnxruntime-web, no
 * `WebAssembly.compile` shim. Compiled modules take batch 1, so a batch request runs its images one
 * by one (the WorkerModel has no runBatch).
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

/** The Worker's module export (`export default createWorker(...)`): a Hono app with `fetch`. */
export function createWorker(init: CompiledWorkerInit) {
  return createWorkerFromFiles(
    init,
    async (pkg) => ({
      classifier: await createClassifierWith({ 'edgeml-wasm': loadEdgemlWasmAdapter }, pkg, {
        runtime: 'edgeml-wasm',
        precision: init.precision,
        edgemlWasm: { module: init.modelModule },
      }),
    }),
    (pkg) => findModelFile(pkg.manifest, 'wasm', init.precision, 'edgeml-wasm'),
  );
}
