/** createClassifier of the web entry: runtimes 'ort-web', 'edgeml-wasm', 'tfjs' and 'litert'; packages from URLs, sources or memory. */
import type { AdapterLoader, RuntimeName } from '../adapters/adapter.js';
import { loadEdgemlWasmAdapter } from '../adapters/edgeml-wasm/edgeml-wasm-adapter.js';
import { loadLiteRtAdapter } from '../adapters/litert/litert-adapter.js';
import { loadOrtWebAdapter } from '../adapters/ort-web/ort-web-adapter.js';
import { loadTfjsAdapter } from '../adapters/tfjs/tfjs-adapter.js';
import type { Classifier, ClassifierOptions, ModelPackageInput } from './classifier.js';
import { createClassifierWith } from './create-classifier.js';

/** Runtime loaders available in web-standard environments (browsers, Workers, Deno, Node). */
export const WEB_ADAPTERS: Readonly<Partial<Record<RuntimeName, AdapterLoader>>> = {
  'ort-web': loadOrtWebAdapter,
  tfjs: loadTfjsAdapter,
  litert: loadLiteRtAdapter,
  'edgeml-wasm': loadEdgemlWasmAdapter,
};

/** Creates a classifier for a model package (URL prefix, source or read package) on a web runtime. */
export function createClassifier(input: ModelPackageInput, options: ClassifierOptions): Promise<Classifier> {
  return createClassifierWith(WEB_ADAPTERS, input, options);
}
