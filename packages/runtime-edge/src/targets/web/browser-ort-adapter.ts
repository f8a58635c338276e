/**
 * onnxruntime-web in a browser page, WebGPU first: when `navigator.gpu` offers an adapter, ORT's
 * WebGPU build (`onnxruntime-web/webgpu`) runs the model with execution providers
 * `['webgpu', 'wasm']` (nodes WebGPU lacks run on the CPU); when there is no adapter, or that
 * session fails to load, the smaller WebAssembly-only build (`onnxruntime-web/wasm`) runs it.
 * Each build is imported on demand and fetches its own `.wasm` from `wasmBase`, so a page without
 * WebGPU never downloads the WebGPU binary. One WebAssembly thread by default: threads need a
 * cross-origin isolated page (COOP/COEP headers, which a plain static server does not send), and
 * ORT's thread workers re-loading a re-bundled module are untested here.
 */
import { BackendUnavailableError } from '@edgeml/core';
import type { AdapterContext, AdapterLoader, RuntimeAdapter } from '../../adapters/adapter.js';
import { modelLoadError } from '../../adapters/model-load-error.js';
import { createOrtAdapter, type OrtModule } from '../../adapters/ort-session.js';
import { ORT_WEB_WASM_FILE, ORT_WEBGPU_WASM_FILE } from './web-files.js';

/** Which ORT build and execution providers ran the model. */
export type WebBackend = 'webgpu' | 'wasm';

/** The backends a page may try, best first. */
export const WEB_BACKENDS: readonly WebBackend[] = ['webgpu', 'wasm'];

/** Options of createBrowserOrtLoader. */
export interface BrowserOrtOptions {
  /** URL prefix (ending in '/') of the directory holding ORT's `.wasm` files. */
  readonly wasmBase: string;
  /** Backends to try, in order. @default ['webgpu', 'wasm'] */
  readonly backends?: readonly WebBackend[];
  /** WebAssembly threads (more than 1 needs a cross-origin isolated page; untested). @default 1 */
  readonly numThreads?: number;
  /** Called with the backend that loaded the model, and with each failure that made it fall back. */
  readonly onBackend?: (backend: WebBackend, fallbackReasons: readonly string[]) => void;
}

interface OrtWebBuild extends OrtModule {
  readonly env: {
    wasm: { numThreads?: number; proxy?: boolean; wasmPaths?: string | { wasm?: string } };
  };
}

/** True when the browser offers a WebGPU adapter (false in headless pages without a GPU). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

async function importBuild(backend: WebBackend): Promise<OrtWebBuild> {
  try {
    const ort =
      backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
    return ort as unknown as OrtWebBuild;
  } catch (error) {
    throw new BackendUnavailableError(`ort-web (${backend})`, 'onnxruntime-web could not be loaded', {
      cause: String(error),
    });
  }
}

async function loadOn(backend: WebBackend, bytes: Uint8Array, options: BrowserOrtOptions) {
  const ort = await importBuild(backend);
  const file = backend === 'webgpu' ? ORT_WEBGPU_WASM_FILE : ORT_WEB_WASM_FILE;
  ort.env.wasm.numThreads = options.numThreads ?? 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = { wasm: new URL(file, options.wasmBase).href };
  const providers = backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
  return createOrtAdapter('ort-web', ort, bytes, { executionProviders: providers });
}

/** An 'ort-web' adapter loader for pages: WebGPU where available, else WebAssembly (see the file comment). */
export function createBrowserOrtLoader(options: BrowserOrtOptions): AdapterLoader {
  return async (context: AdapterContext): Promise<RuntimeAdapter> => {
    const bytes = await context.pkg.readFile(context.file.path);
    const wanted = options.backends ?? WEB_BACKENDS;
    const reasons: string[] = [];
    let lastError: unknown;
    for (const backend of wanted) {
      if (backend === 'webgpu' && !(await hasWebGpuAdapter())) {
        reasons.push('webgpu: no WebGPU adapter in this browser');
        continue;
      }
      try {
        const adapter = await loadOn(backend, bytes, options);
        options.onBackend?.(backend, reasons);
        return adapter;
      } catch (error) {
        lastError = error;
        reasons.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (lastError === undefined) {
      throw new BackendUnavailableError(
        'ort-web',
        `no backend of ${wanted.join(', ')} is available: ${reasons.join('; ')}`,
      );
    }
    throw modelLoadError('ort-web', context.file.path, lastError);
  };
}
