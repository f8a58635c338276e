/**
 * The code a packaged Worker runs, bundled by the packager into `src/edgeml-worker.js`: model files
 * held in memory (wrangler `Data` modules), onnxruntime-web loaded from the compiled `.wasm` module
 * (wrangler `CompiledWasm`) through the workerd shim, and the Hono app around them. Only the
 * ort-web adapter is imported, so TF.js never lands in the bundle. `loadOrtWebModel` is the one
 * place that knows the runtime: another runtime serves the same app by answering a WorkerModel.
 */
import { createMemorySource, type ModelPackage, readModelPackage } from '@edgeml/core';
import type { AdapterLoader, RuntimeAdapter } from '../../adapters/adapter.js';
import { loadOrtWebAdapter } from '../../adapters/ort-web/ort-web-adapter.js';
import type { ClassifierPrecision } from '../../classifier/classifier.js';
import { createClassifierWith } from '../../classifier/create-classifier.js';
import { createWorkerApp } from './app.js';
import type { WorkerModel } from './worker-model.js';
import type { WorkerSettings } from './worker-settings.js';

/** What the generated Worker entry hands over. */
export interface WorkerInit {
  /** Package files by relative path (manifest.json and the model file at least). */
  readonly files: Readonly<Record<string, ArrayBuffer | Uint8Array>>;
  /** onnxruntime-web's `.wasm`, imported as a compiled module. */
  readonly wasmModule: WebAssembly.Module;
  readonly precision: ClassifierPrecision;
  readonly defaults?: Partial<WorkerSettings>;
}

/** The Worker's module export (`export default createWorker(...)`): a Hono app with `fetch`. */
export function createWorker(init: WorkerInit) {
  const files = Object.fromEntries(
    Object.entries(init.files).map(([path, data]) => [
      path,
      data instanceof Uint8Array ? data : new Uint8Array(data),
    ]),
  );
  const source = createMemorySource(files, 'worker:model');
  return createWorkerApp({
    precision: init.precision,
    ...(init.defaults ? { defaults: init.defaults } : {}),
    // The loaded file is checked against its SHA-256 on read; verifying every file is not needed.
    loadPackage: () => readModelPackage(source, { verify: false }),
    loadModel: (pkg) => loadOrtWebModel(pkg, init),
  });
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
