/**
 * onnxruntime-web (WebAssembly backend, `onnxruntime-web/wasm`) as a runtime adapter: browsers,
 * Cloudflare Workers (with the compiled-module shim) and Node (given the `.wasm` bytes).
 * ORT's `env` is global: the first load configures it; later loads reuse it.
 */
import { BackendUnavailableError } from '@edgeml/core';
import type { AdapterContext, OrtWebSettings, RuntimeAdapter } from '../adapter.js';
import { modelLoadError } from '../model-load-error.js';
import { createOrtAdapter, type OrtModule } from '../ort-session.js';
import { installCompiledWasmShim, PLACEHOLDER_WASM_BINARY } from './workerd-wasm-shim.js';

let configured: Promise<OrtModule> | undefined;

async function loadOrtWeb(settings: OrtWebSettings): Promise<OrtModule> {
  let ort: typeof import('onnxruntime-web/wasm');
  try {
    ort = await import('onnxruntime-web/wasm');
  } catch (error) {
    throw new BackendUnavailableError('ort-web', 'package onnxruntime-web is not installed', {
      cause: String(error),
    });
  }
  const wasm = ort.env.wasm;
  wasm.numThreads = settings.numThreads ?? 1;
  wasm.proxy = false;
  if (settings.wasmModule) {
    installCompiledWasmShim(settings.wasmModule);
    wasm.wasmBinary = PLACEHOLDER_WASM_BINARY;
  } else if (settings.wasmBinary) {
    wasm.wasmBinary = settings.wasmBinary;
  }
  if (settings.wasmPaths !== undefined) wasm.wasmPaths = settings.wasmPaths;
  return ort as unknown as OrtModule;
}

/** Loads the context's ONNX file into an onnxruntime-web session. */
export async function loadOrtWebAdapter(context: AdapterContext): Promise<RuntimeAdapter> {
  configured ??= loadOrtWeb(context.ortWeb ?? {});
  let ort: OrtModule;
  try {
    ort = await configured;
  } catch (error) {
    configured = undefined;
    throw error;
  }
  const bytes = await context.pkg.readFile(context.file.path);
  try {
    return await createOrtAdapter('ort-web', ort, bytes, { executionProviders: ['wasm'] });
  } catch (error) {
    throw modelLoadError('ort-web', context.file.path, error);
  }
}
