// @edgeml/runtime-edge: one Classifier API over onnxruntime-web and TF.js, the shared preprocessing,
// the Cloudflare Worker app and the browser loader of the web target. Web-standard code only; Node runtimes and packagers live in './node'.

export type {
  AdapterContext,
  AdapterLoader,
  OrtWebSettings,
  RuntimeAdapter,
  RuntimeName,
} from './adapters/adapter.js';
export { RUNTIME_FORMATS, RUNTIME_NAMES } from './adapters/adapter.js';
export type { EdgemlWasmSettings } from './adapters/edgeml-wasm/edgeml-wasm-adapter.js';
export { loadEdgemlWasmAdapter } from './adapters/edgeml-wasm/edgeml-wasm-adapter.js';
export { createLiteRtLoader, loadLiteRtAdapter } from './adapters/litert/litert-adapter.js';
export type { LiteRtModule, LiteRtRealmSetup, LiteRtSettings } from './adapters/litert/litert-runtime.js';
export { loadLiteRtRuntime } from './adapters/litert/litert-runtime.js';
export { loadOrtWebAdapter } from './adapters/ort-web/ort-web-adapter.js';
export { installCompiledWasmShim } from './adapters/ort-web/workerd-wasm-shim.js';
export { loadTfjsAdapter } from './adapters/tfjs/tfjs-adapter.js';
export type { TfWeb, TfWebModelRunner, TfWebTensorInfo } from './adapters/tflite/tfweb.js';
export type {
  Classifier,
  ClassifierOptions,
  ClassifierPrecision,
  ClassifyOptions,
  ClassifyResult,
  ClassifyTimings,
  ModelPackageInput,
} from './classifier/classifier.js';
export { CLASSIFIER_PRECISIONS } from './classifier/classifier.js';
export type { SourceResolver } from './classifier/create-classifier.js';
export { createClassifierWith } from './classifier/create-classifier.js';
export type { Prediction } from './classifier/top-k.js';
export { softmax, topK } from './classifier/top-k.js';
export { createClassifier, WEB_ADAPTERS } from './classifier/web-classifier.js';
export type { ClassifierInput, PixelImage } from './preprocess/image-input.js';
export { toRawImage } from './preprocess/image-input.js';
export type { InputSpec } from './preprocess/input-spec.js';
export { inputSpecFor } from './preprocess/input-spec.js';
export type { PreprocessedInput, PreprocessTimings } from './preprocess/preprocess.js';
export { normalizeImage, preprocessInput } from './preprocess/preprocess.js';
export type { BrowserOrtOptions, WebBackend } from './targets/web/browser-ort-adapter.js';
export { createBrowserOrtLoader, hasWebGpuAdapter, WEB_BACKENDS } from './targets/web/browser-ort-adapter.js';
export type { WebClassifier, WebClassifierOptions } from './targets/web/web-runtime.js';
export { loadWebClassifier } from './targets/web/web-runtime.js';
