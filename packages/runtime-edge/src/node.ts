// @edgeml/runtime-edge/node: the Node-only half: onnxruntime-node and tfjs-tflite adapters, a
// createClassifier that also reads directories, and the packagers for deployment targets.
// Heavy runtimes are imported lazily, on first use.

export {
  liteRtWasmDirectory,
  loadLiteRtNodeAdapter,
  nodeLiteRtRealm,
} from './adapters/litert/litert-runtime-node.js';
export { loadOrtNodeAdapter } from './adapters/ort-node/ort-node-adapter.js';
export { loadTfliteAdapter } from './adapters/tflite/tflite-adapter.js';
export type { LoadTfliteOptions, TfliteNodeModel } from './adapters/tflite/tflite-runtime-node.js';
export { loadTfliteModel } from './adapters/tflite/tflite-runtime-node.js';
export { createClassifier, NODE_ADAPTERS } from './node/node-classifier.js';
export { ORT_WEB_WASM_FILE, ortWebWasmPath, readOrtWebWasm } from './node/ort-web-wasm.js';
export type { SpawnWranglerOptions, WranglerInstall } from './node/wrangler.js';
export { findWrangler, runWrangler, spawnWrangler, wranglerEnv } from './node/wrangler.js';
export { MOBILE_METADATA_SCHEMA } from './targets/mobile/mobile-metadata.js';
export type { PackageMobileOptions, PackageMobileResult } from './targets/mobile/package-mobile.js';
export { MOBILE_LABELS_FILE, MOBILE_METADATA_FILE, packageMobile } from './targets/mobile/package-mobile.js';
export type {
  TfliteIoTensor,
  TfliteQuantization,
  TfliteSignature,
} from './targets/mobile/read-tflite-signature.js';
export { readTfliteSignature } from './targets/mobile/read-tflite-signature.js';
export type { PackageRuntime } from './targets/packaged-model-file.js';
export {
  defaultPackageRuntime,
  hasCompiledModel,
  PACKAGE_RUNTIMES,
} from './targets/packaged-model-file.js';
export type { PackageWebOptions, PackageWebResult, WebFileSize } from './targets/web/package-web.js';
export { packageWeb } from './targets/web/package-web.js';
export type { BundleModuleSize, BundleSize } from './targets/worker/bundle-size.js';
export { measureWorkerBundle } from './targets/worker/bundle-size.js';
export { bundleWorkerRuntime } from './targets/worker/bundle-worker-runtime.js';
export type {
  PackageWorkerOptions,
  PackageWorkerResult,
  WorkerAccessSummary,
} from './targets/worker/package-worker.js';
export { packageWorker, WORKER_COMPATIBILITY_DATE } from './targets/worker/package-worker.js';
export type { WorkerLimits } from './targets/worker/worker-limits.js';
export { planForCpuTime, WORKER_LIMITS } from './targets/worker/worker-limits.js';
export type { RateLimitSpec, WorkerAccessOptions } from './targets/worker/worker-options.js';
export { parseRateLimit, WORKER_ACCESS_OPTIONS } from './targets/worker/worker-options.js';
