/**
 * The ES module a packaged web target ships (`edgeml-web.js`), bundled by the packager with
 * onnxruntime-web and @edgeml/core: `loadWebClassifier()` reads the model package next to it
 * (`./model/`), loads ORT's WebGPU or WebAssembly build from `./ort/`, and answers a Classifier
 * with the same preprocessing and top-k as every other runtime. Only the ort-web path is bundled.
 */
import type { Classifier, ClassifierPrecision } from '../../classifier/classifier.js';
import { createClassifierWith } from '../../classifier/create-classifier.js';
import { createBrowserOrtLoader, WEB_BACKENDS, type WebBackend } from './browser-ort-adapter.js';

/** Precision the packager baked in (esbuild `define`); 'float32' when run unbundled. */
declare const EDGEML_WEB_PRECISION: ClassifierPrecision | undefined;
/** Backends the packager shipped binaries for (esbuild `define`); both when run unbundled. */
declare const EDGEML_WEB_BACKENDS: readonly WebBackend[] | undefined;

/** Options of loadWebClassifier; every URL defaults to the packaged layout beside this module. */
export interface WebClassifierOptions {
  /** URL prefix of the model package (manifest.json and the model file). @default './model/' */
  readonly modelUrl?: string | URL;
  /** URL prefix of ORT's `.wasm` files. @default './ort/' */
  readonly wasmBase?: string | URL;
  /** Model variant. @default the one packaged */
  readonly precision?: ClassifierPrecision;
  /** Backends to try, best first. @default the packaged ones: ['webgpu', 'wasm'], or ['wasm'] */
  readonly backends?: readonly WebBackend[];
  /** WebAssembly threads (more than 1 needs a cross-origin isolated page). @default 1 */
  readonly numThreads?: number;
}

/** A Classifier running in the page, with the backend that runs it. */
export interface WebClassifier extends Classifier {
  /** 'webgpu' (execution providers webgpu + wasm) or 'wasm'. */
  readonly backend: WebBackend;
  /** Why better backends were skipped (no adapter, session failure). */
  readonly fallbackReasons: readonly string[];
}

/** The precision baked into this bundle. */
export const PACKAGED_PRECISION: ClassifierPrecision =
  typeof EDGEML_WEB_PRECISION === 'undefined' ? 'float32' : EDGEML_WEB_PRECISION;

/** The backends this bundle shipped binaries for, best first. */
export const PACKAGED_BACKENDS: readonly WebBackend[] =
  typeof EDGEML_WEB_BACKENDS === 'undefined' ? WEB_BACKENDS : EDGEML_WEB_BACKENDS;

/** Loads the packaged model in this page on onnxruntime-web (WebGPU, else WebAssembly). */
export async function loadWebClassifier(options: WebClassifierOptions = {}): Promise<WebClassifier> {
  const modelUrl = new URL(options.modelUrl ?? './model/', import.meta.url);
  const wasmBase = new URL(options.wasmBase ?? './ort/', import.meta.url);
  let backend: WebBackend = 'wasm';
  let fallbackReasons: readonly string[] = [];
  const loader = createBrowserOrtLoader({
    wasmBase: wasmBase.href.endsWith('/') ? wasmBase.href : `${wasmBase.href}/`,
    backends: options.backends ?? PACKAGED_BACKENDS,
    ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
    onBackend: (chosen, reasons) => {
      backend = chosen;
      fallbackReasons = reasons;
    },
  });
  const classifier = await createClassifierWith({ 'ort-web': loader }, modelUrl, {
    runtime: 'ort-web',
    precision: options.precision ?? PACKAGED_PRECISION,
  });
  return Object.assign(classifier, { backend, fallbackReasons });
}

export type { Classifier, ClassifyResult } from '../../classifier/classifier.js';
export type { Prediction } from '../../classifier/top-k.js';
export type { PixelImage } from '../../preprocess/image-input.js';
export type { WebBackend } from './browser-ort-adapter.js';
