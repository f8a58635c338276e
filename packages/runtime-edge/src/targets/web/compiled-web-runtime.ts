/**
 * The ES module a web target packaged with `--runtime edgeml-wasm` ships as `edgeml-web.js`:
 * `loadWebClassifier()` with the same signature as the onnxruntime-web one (web-runtime.ts), but
 * the model is the module `edgeml compile` wrote (`./model/model.wasm`, compiled by the browser
 * while it downloads), run by the edgeml-wasm adapter. No onnxruntime-web, no `./ort/` binaries,
 * no WebGPU: `backend` is always 'wasm'.
 */
import { loadEdgemlWasmAdapter } from '../../adapters/edgeml-wasm/edgeml-wasm-adapter.js';
import type { ClassifierPrecision } from '../../classifier/classifier.js';
import { createClassifierWith } from '../../classifier/create-classifier.js';
import type { WebClassifier, WebClassifierOptions } from './web-runtime.js';

/** Precision the packager baked in (esbuild `define`); 'float32' when run unbundled. */
declare const EDGEML_WEB_PRECISION: ClassifierPrecision | undefined;

/** The precision baked into this bundle. */
export const PACKAGED_PRECISION: ClassifierPrecision =
  typeof EDGEML_WEB_PRECISION === 'undefined' ? 'float32' : EDGEML_WEB_PRECISION;

/** The backends this bundle runs on: the compiled module is WebAssembly. */
export const PACKAGED_BACKENDS = ['wasm'] as const;

/** Loads the packaged compiled model in this page (`wasmBase`, `backends`, `numThreads` are ignored). */
export async function loadWebClassifier(options: WebClassifierOptions = {}): Promise<WebClassifier> {
  const modelUrl = new URL(options.modelUrl ?? './model/', import.meta.url);
  const classifier = await createClassifierWith({ 'edgeml-wasm': loadEdgemlWasmAdapter }, modelUrl, {
    runtime: 'edgeml-wasm',
    precision: options.precision ?? PACKAGED_PRECISION,
  });
  return Object.assign(classifier, { backend: 'wasm' as const, fallbackReasons: [] });
}

export type { Classifier, ClassifyResult } from '../../classifier/classifier.js';
export type { Prediction } from '../../classifier/top-k.js';
export type { PixelImage } from '../../preprocess/image-input.js';
export type { WebBackend, WebClassifier, WebClassifierOptions } from './web-runtime.js';
