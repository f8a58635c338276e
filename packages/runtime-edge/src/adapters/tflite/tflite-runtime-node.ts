/**
 * Runs `.tflite` models in Node with the TFLite WebAssembly runtime that ships in
 * `@tensorflow/tfjs-tflite` (0.0.1-alpha.10), which only knows browsers and Web Workers.
 *
 * How: we evaluate the package's closure-compiled client (`wasm/tflite_web_api_client.js`, the
 * `tfweb` namespace) ourselves rather than the package's main entry, so its private tfjs-core 4.9.0
 * is never loaded next to the repo's 4.22.0 (two tfjs-core copies would share one global engine).
 * While the WebAssembly module loads, a few Web Worker globals are shimmed and then restored:
 * - `self` (= globalThis) and `self.location`: the client takes `typeof window === 'undefined'` to
 *   mean "Web Worker" and resolves script URLs against `self.location`;
 * - `importScripts(url)`: evaluates the emscripten glue (`tflite_web_api_cc_simd.js`) with
 *   `vm.runInThisContext`, only for files inside the package's `wasm/` folder, and wraps the
 *   factory it defines so that the `.wasm` bytes are handed over directly (`wasmBinary`): the glue
 *   would otherwise fetch `file://` URLs with XMLHttpRequest, which Node lacks;
 * - no `SharedArrayBuffer`: the client's feature probe then picks the non-threaded SIMD build (the
 *   threaded one needs real Workers).
 * `setWasmPath` points the client at the package's `wasm/` folder. One module is loaded per process
 * and shared by every model; each model owns its interpreter until `close()`.
 *
 * The runtime's input shape is fixed (it cannot resize tensors), so `predict` feeds batches of the
 * model's own batch size (1 for exportTflite's default) and concatenates the outputs.
 *
 * Node built-ins are imported lazily, on the first load, so importing this module (for instance
 * through the package index) has no Node dependency.
 */

import { BackendUnavailableError, ConfigError, EdgemlError } from '@edgeml/core';
import { acquireWorkerGlobals } from '../worker-globals-lock.js';
import type { TfWebModelRunner as ModelRunner, TfWebTensorInfo as TensorInfo, TfWeb } from './tfweb.js';

/** A TFLite model loaded in Node. */
export interface TfliteNodeModel {
  /** Input shape of one call, e.g. [1, 28, 28, 1]. */
  readonly inputShape: readonly number[];
  /** Output shape of one call, e.g. [1, 10]. */
  readonly outputShape: readonly number[];
  /** Runs `x` (row-major, `shape` with any batch that is a multiple of the model's) through the model. */
  predict(x: Float32Array, shape: readonly number[]): Float32Array;
  /** Frees the interpreter and its copy of the model. */
  close(): void;
}

/** Options of loadTfliteModel. */
export interface LoadTfliteOptions {
  /** Interpreter threads (the non-threaded wasm build runs one either way). @default 1 */
  readonly numThreads?: number;
}

/** The Node built-ins the loader uses, imported on first use. */
interface NodeApis {
  readonly fs: typeof import('node:fs');
  readonly module: { createRequire: typeof import('node:module').createRequire };
  readonly path: typeof import('node:path');
  readonly url: typeof import('node:url');
  readonly vm: typeof import('node:vm');
}

async function nodeApis(): Promise<NodeApis> {
  const [fs, module, path, url, vm] = await Promise.all([
    import('node:fs'),
    import('node:module'),
    import('node:path'),
    import('node:url'),
    import('node:vm'),
  ]);
  return { fs, module, path, url, vm };
}

const FACTORY = 'tflite_web_api_ModuleFactory';
/** The tfweb client once its WebAssembly module has loaded (one per process). */
let loaded: TfWeb | undefined;

function wasmDirectory({ module, path }: NodeApis): string {
  try {
    const require = module.createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
  } catch (error) {
    throw new BackendUnavailableError('tfjs-tflite', 'package @tensorflow/tfjs-tflite is not installed', {
      cause: String(error),
    });
  }
}

/** Installs the Web Worker shims; returns a function that restores the previous globals. */
function installWorkerShims({ fs, path, url, vm }: NodeApis, wasmDir: string): () => void {
  const g = globalThis as Record<string, unknown>;
  const names = ['self', 'location', 'importScripts', 'SharedArrayBuffer'] as const;
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(g, name)] as const);
  const define = (name: string, value: unknown) =>
    Object.defineProperty(g, name, { value, configurable: true, writable: true, enumerable: false });
  define('self', globalThis);
  // Relative script URLs (the client's eager load at evaluation, before setWasmPath) resolve to
  // the file system root and are refused below; absolute ones get this origin prepended.
  define('location', { origin: 'file://', href: 'file:///' });
  define('importScripts', (...urls: string[]) => {
    for (const scriptUrl of urls) {
      const file = url.fileURLToPath(scriptUrl);
      if (!file.startsWith(wasmDir + path.sep) || !file.endsWith('.js')) {
        throw new EdgemlError(
          'BACKEND_UNAVAILABLE',
          `tfjs-tflite shim: refusing to load script ${scriptUrl}`,
        );
      }
      vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
      const factory = g[FACTORY] as ((options: object) => unknown) | undefined;
      if (typeof factory !== 'function') continue;
      const wasmBinary = fs.readFileSync(file.replace(/\.js$/, '.wasm'));
      g[FACTORY] = (options: object) => factory({ ...options, wasmBinary });
    }
  });
  delete g['SharedArrayBuffer'];
  return () => {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(g, name, descriptor);
      else delete g[name];
    }
  };
}

/** Evaluates the tfweb client once per process (shims must be installed). */
function loadClient({ fs, path, url, vm }: NodeApis, wasmDir: string): TfWeb {
  const file = path.join(wasmDir, 'tflite_web_api_client.js');
  // The client is a closure-compiled script that ends with `exports.tfweb = tfweb`.
  const wrapped = `(function (exports) {${fs.readFileSync(file, 'utf8')}\n})`;
  const run = vm.runInThisContext(wrapped, { filename: file }) as (exports: { tfweb?: TfWeb }) => void;
  const exports: { tfweb?: TfWeb } = {};
  run.call(globalThis, exports);
  if (!exports.tfweb) throw new BackendUnavailableError('tfjs-tflite', `${file} did not define tfweb`);
  exports.tfweb.tflite_web_api.setWasmPath(`${url.pathToFileURL(wasmDir).pathname}/`);
  return exports.tfweb;
}

/** Creates a runner; the first one loads the WebAssembly module under the shims, one at a time. */
async function createRunner(bytes: Uint8Array, numThreads: number): Promise<ModelRunner> {
  const buffer = bytes.slice().buffer;
  if (!loaded) {
    // Serialise first loads with every loader that shims Worker globals (LiteRT.js's too):
    // two overlapping shim installs would restore each other's shims.
    const done = await acquireWorkerGlobals();
    try {
      if (!loaded) {
        const node = await nodeApis();
        const wasmDir = wasmDirectory(node);
        const restore = installWorkerShims(node, wasmDir);
        try {
          const tfweb = loadClient(node, wasmDir);
          const runner = await tfweb.TFLiteWebModelRunner.create(buffer, { numThreads });
          loaded = tfweb;
          return runner;
        } finally {
          restore();
        }
      }
    } finally {
      done();
    }
  }
  return loaded.TFLiteWebModelRunner.create(buffer, { numThreads });
}

function parseShape(info: TensorInfo): number[] {
  return info.shape.split(',').map(Number);
}

/** Loads `.tflite` bytes into the tfjs-tflite WebAssembly interpreter (non-threaded SIMD build). */
export async function loadTfliteModel(
  bytes: Uint8Array,
  options: LoadTfliteOptions = {},
): Promise<TfliteNodeModel> {
  const runner = await createRunner(bytes, options.numThreads ?? 1);
  const inputs = runner.getInputs();
  const outputs = runner.getOutputs();
  if (inputs.length !== 1 || outputs.length < 1 || inputs[0]!.dataType !== 'float32') {
    runner.cleanUp();
    throw new EdgemlError(
      'UNSUPPORTED',
      `loadTfliteModel supports one float32 input, got ${inputs.map((i) => i.dataType).join(', ')}`,
    );
  }
  const inputShape = parseShape(inputs[0]!);
  const outputShape = parseShape(outputs[0]!);
  const inPer = inputShape.reduce((a, b) => a * b, 1);
  const outPer = outputShape.reduce((a, b) => a * b, 1);
  let closed = false;
  return {
    inputShape,
    outputShape,
    predict(x, shape) {
      if (closed) throw new EdgemlError('UNSUPPORTED', 'predict() after close()');
      const sample = shape.slice(1).join(',');
      if (sample !== inputShape.slice(1).join(',') || x.length !== shape.reduce((a, b) => a * b, 1)) {
        throw new ConfigError(
          `input shape [${shape.join(', ')}] (${x.length} values) does not fit the model input [${inputShape.join(', ')}]`,
        );
      }
      const calls = x.length / inPer;
      if (!Number.isInteger(calls)) {
        throw new ConfigError(`batch ${shape[0]} is not a multiple of the model batch ${inputShape[0]}`);
      }
      const out = new Float32Array(calls * outPer);
      for (let i = 0; i < calls; i++) {
        runner
          .getInputs()[0]!
          .data()
          .set(x.subarray(i * inPer, (i + 1) * inPer));
        if (!runner.infer()) throw new EdgemlError('UNSUPPORTED', 'TFLite inference failed');
        // data() views the wasm heap: copy before the next call can move it.
        out.set(runner.getOutputs()[0]!.data() as Float32Array, i * outPer);
      }
      return out;
    },
    close() {
      if (!closed) runner.cleanUp();
      closed = true;
    },
  };
}
