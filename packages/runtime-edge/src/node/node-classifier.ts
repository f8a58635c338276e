/**
 * createClassifier of the Node entry: every runtime (ort-web, tfjs, litert, ort-node, tflite), and a
 * string is a directory unless it starts with http(s)://. onnxruntime-web gets its `.wasm` bytes
 * from node_modules when no other source is given.
 */
import { createFetchSource } from '@edgeml/core';
import { createDirectorySource } from '@edgeml/core/node';
import type { AdapterLoader, RuntimeName } from '../adapters/adapter.js';
import { loadLiteRtNodeAdapter } from '../adapters/litert/litert-runtime-node.js';
import { loadOrtNodeAdapter } from '../adapters/ort-node/ort-node-adapter.js';
import { loadTfliteAdapter } from '../adapters/tflite/tflite-adapter.js';
import type { Classifier, ClassifierOptions, ModelPackageInput } from '../classifier/classifier.js';
import { createClassifierWith, type SourceResolver } from '../classifier/create-classifier.js';
import { WEB_ADAPTERS } from '../classifier/web-classifier.js';
import { readOrtWebWasm } from './ort-web-wasm.js';

/** Every runtime loader, web and Node. */
export const NODE_ADAPTERS: Readonly<Partial<Record<RuntimeName, AdapterLoader>>> = {
  ...WEB_ADAPTERS,
  'ort-node': loadOrtNodeAdapter,
  tflite: loadTfliteAdapter,
  litert: loadLiteRtNodeAdapter,
};

const directoryOrUrl: SourceResolver = (location) =>
  /^https?:\/\//.test(location) ? createFetchSource(location) : createDirectorySource(location);

/** Creates a classifier for a model package (directory, URL prefix, source or read package) on any runtime. */
export async function createClassifier(
  input: ModelPackageInput,
  options: ClassifierOptions,
): Promise<Classifier> {
  const ort = options.ortWeb ?? {};
  const needsWasm = options.runtime === 'ort-web' && !ort.wasmBinary && !ort.wasmModule && !ort.wasmPaths;
  const resolved = needsWasm
    ? { ...options, ortWeb: { ...ort, wasmBinary: await readOrtWebWasm() } }
    : options;
  return createClassifierWith(NODE_ADAPTERS, input, resolved, directoryOrUrl);
}
