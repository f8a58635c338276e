/**
 * The contract every runtime adapter implements: load one model file of a package, run one
 * preprocessed float32 tensor through it, return the raw output scores.
 */
import type { ModelFileEntry, ModelFileFormat, ModelPackage } from '@edgeml/core';
import type { EdgemlWasmSettings } from './edgeml-wasm/edgeml-wasm-adapter.js';
import type { LiteRtSettings } from './litert/litert-runtime.js';

/** Runtimes a classifier can run on. */
export type RuntimeName = 'ort-web' | 'ort-node' | 'tflite' | 'tfjs' | 'litert' | 'edgeml-wasm';

/** Every runtime name, web ones first. */
export const RUNTIME_NAMES: readonly RuntimeName[] = [
  'ort-web',
  'edgeml-wasm',
  'tfjs',
  'litert',
  'ort-node',
  'tflite',
];

/** Which file format each runtime reads. */
export const RUNTIME_FORMATS: Readonly<Record<RuntimeName, ModelFileFormat>> = {
  'ort-web': 'onnx',
  'ort-node': 'onnx',
  tflite: 'tflite',
  tfjs: 'tfjs-layers',
  litert: 'tflite',
  'edgeml-wasm': 'wasm',
};

/** Settings for onnxruntime-web's WebAssembly backend. */
export interface OrtWebSettings {
  /**
   * The ORT `.wasm` already compiled (a Cloudflare Worker imports it as a CompiledWasm module):
   * installs the workerd loading shim, since workerd cannot compile Wasm from bytes.
   */
  readonly wasmModule?: WebAssembly.Module;
  /** The ORT `.wasm` bytes (Node, or pages that fetched it themselves). */
  readonly wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where ORT fetches its `.wasm`/`.mjs` files from (browsers). */
  readonly wasmPaths?: string;
  /** WebAssembly threads. @default 1 */
  readonly numThreads?: number;
}

/** What an adapter gets to load: the package and the chosen file entry. */
export interface AdapterContext {
  readonly pkg: ModelPackage;
  readonly file: ModelFileEntry;
  readonly ortWeb?: OrtWebSettings;
  /** LiteRT.js settings (runtime 'litert'). */
  readonly liteRt?: LiteRtSettings;
  /** Settings of runtime 'edgeml-wasm' (a model compiled by edgeml compile). */
  readonly edgemlWasm?: EdgemlWasmSettings;
}

/** A loaded model in one runtime. */
export interface RuntimeAdapter {
  readonly runtime: RuntimeName;
  /** Runs one input tensor (batch 1) and returns the first output's scores. */
  run(tensor: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** Frees the session/interpreter. */
  dispose(): Promise<void>;
}

/** Loads a runtime adapter for a package file. */
export type AdapterLoader = (context: AdapterContext) => Promise<RuntimeAdapter>;
