/** Where onnxruntime-web's WebAssembly binary lives in node_modules, and its bytes. Node only. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { BackendUnavailableError } from '@edgeml/core';

/** File name of ORT Web's SIMD WebAssembly build (the one `onnxruntime-web/wasm` loads). */
export const ORT_WEB_WASM_FILE = 'ort-wasm-simd-threaded.wasm';

/** Absolute path of the installed onnxruntime-web `.wasm`. */
export function ortWebWasmPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WEB_WASM_FILE}`);
  } catch (error) {
    throw new BackendUnavailableError('ort-web', 'package onnxruntime-web is not installed', {
      cause: String(error),
    });
  }
}

let cached: Promise<Uint8Array> | undefined;

/** The onnxruntime-web `.wasm` bytes (read once per process). */
export function readOrtWebWasm(): Promise<Uint8Array> {
  cached ??= readFile(ortWebWasmPath()).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  return cached;
}
