/**
 * The code a packaged Worker runs, bundled by the packager into `src/edgeml-worker.js`: model files
 * held in memory (wrangler `Data` modules), onnxruntime-web loaded from the compiled `.wasm` module
 * (wrangler `CompiledWasm`) through the workerd shim, and the Hono app around them. Only the
 * ort-web adapter is imported, so TF.js never lands in the bundle. `loadOrtWebModel` is the one
 * place that knows the runtime: another runtime serves the same app by answering a WorkerModel
 * (compiled-worker-runtime.ts does, for `--runtime edgeml-wasm`).
 */
import type { ModelPackage } from '@edgeml/core';
import type { AdapterLoader, RuntimeAdapter } from '../../adapters/adapter.js';
import { loadOrtWebAdapter } from '../../adapters/ort-web/ort-web-adapter.js';
import { createClassifierWith } from '../../classifier/create-classifier.js';
import { createWorkerFromFiles, type WorkerFilesInit } from './worker-files-app.js';
import type { WorkerModel } from './worker-model.js';

/** What the generated Worker entry hands over. */
export interface WorkerInit extends WorkerFilesInit {
  /** onnxruntime-web's `.wasm`, imported as a compiled module. */
  readonly wasmModule: WebAssembly.Module;
}

/** The Worker's module export (`export default createWorker(...)`): a Hono app with `fetch`. */
export function createWorker(init: WorkerInit) {
  return createWorkerFromFiles(init, (pkg) => loadOrtWebModel(pkg, init));
}

/**
 * The package's ONNX file in onnxruntime-web as a WorkerModel: the classifier, and a batched run on
 * the same session (ONNX files exported here take a dynamic batch axis; one that does not is found
 * out by the first batch, which then runs image by image).
 */
async function loadOrtWebModel(pkg: ModelPackage, init: WorkerInit): Promise<WorkerModel> {
  const kept: { adapter?: RuntimeAdapter } = {};
  const keepAdapter: AdapterLoader = async (context) => {
    kept.adapter = await loadOrtWebAdapter(context);
    return kept.adapter;
  };
  const classifier = await createClassifierWith({ 'ort-web': keepAdapter }, pkg, {
    runtime: 'ort-web',
    precision: init.precision,
    ortWeb: { wasmModule: init.wasmModule, numThreads: 1 },
  });
  const loaded = kept.adapter;
  if (!loaded) return { classifier };
  const [, ...item] = classifier.inputSpec.shape;
  return { classifier, runBatch: (tensor, count) => loaded.run(tensor, [count, ...item]) };
}
