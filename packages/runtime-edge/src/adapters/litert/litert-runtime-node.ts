/**
 * LiteRT.js in Node. Its emscripten glue knows Node (it reads the `.wasm` with `fs` itself), but
 * the loader around it (`@litertjs/wasm-utils`) only knows browsers and Web Workers: it calls
 * `importScripts(url)` when that exists and then reads `self.ModuleFactory`. While LiteRT.js loads,
 * two globals are shimmed and then restored:
 * - `self` (= globalThis);
 * - `importScripts(url)`: evaluates the glue as the CommonJS script it is (`require`, `__dirname`,
 *   `module`), only for `.js` files inside `@litertjs/core/wasm/`, and sets `self.ModuleFactory`.
 * Nothing else is patched: no fetch, no XMLHttpRequest, no SharedArrayBuffer games. Node 20 has no
 * relaxed SIMD, so LiteRT.js picks its compat build there (`litert_wasm_compat_internal.wasm`).
 * LiteRT.js also tries to open a WebGPU device once at load; Node has none, and the one warning it
 * prints about that ("Failed to create default WebGPU device") is filtered while it loads.
 *
 * Node built-ins are imported on the first load only.
 */
import { BackendUnavailableError, EdgemlError } from '@edgeml/core';
import type { AdapterLoader } from '../adapter.js';
import { acquireWorkerGlobals } from '../worker-globals-lock.js';
import { createLiteRtLoader } from './litert-adapter.js';
import type { LiteRtRealmSetup } from './litert-runtime.js';

/** The installed `@litertjs/core/wasm/` directory (with a trailing separator). */
export async function liteRtWasmDirectory(): Promise<string> {
  const [{ createRequire }, path] = await Promise.all([import('node:module'), import('node:path')]);
  try {
    const entry = createRequire(import.meta.url).resolve('@litertjs/core');
    return path.join(path.dirname(path.dirname(entry)), 'wasm') + path.sep;
  } catch (error) {
    throw new BackendUnavailableError('litert', 'package @litertjs/core is not installed', {
      cause: String(error),
    });
  }
}

/** Installs the shims for one load (see the file comment); `restore` puts the globals back. */
export const nodeLiteRtRealm: LiteRtRealmSetup = async (settings) => {
  const [fs, { createRequire }, path, url, vm] = await Promise.all([
    import('node:fs'),
    import('node:module'),
    import('node:path'),
    import('node:url'),
    import('node:vm'),
  ]);
  const wasmDir = settings.wasmPath
    ? path.resolve(settings.wasmPath) + path.sep
    : await liteRtWasmDirectory();
  // tfjs-tflite's Node loader shims `self` too: one loader at a time.
  const release = await acquireWorkerGlobals();
  const g = globalThis as Record<string, unknown>;
  const names = ['self', 'importScripts'] as const;
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(g, name)] as const);
  const define = (name: string, value: unknown) =>
    Object.defineProperty(g, name, { value, configurable: true, writable: true, enumerable: false });
  define('self', globalThis);
  define('importScripts', (...urls: string[]) => {
    for (const scriptUrl of urls) {
      const file = scriptUrl.startsWith('file:') ? url.fileURLToPath(scriptUrl) : path.resolve(scriptUrl);
      if (!file.startsWith(wasmDir) || !file.endsWith('.js')) {
        throw new EdgemlError('BACKEND_UNAVAILABLE', `litert shim: refusing to load script ${scriptUrl}`);
      }
      const module = { exports: {} as unknown };
      const glue = vm.compileFunction(
        fs.readFileSync(file, 'utf8'),
        ['exports', 'module', 'require', '__filename', '__dirname'],
        { filename: file },
      );
      glue(module.exports, module, createRequire(file), file, path.dirname(file));
      g['ModuleFactory'] = module.exports;
    }
  });
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Failed to create default WebGPU device')) return;
    warn.apply(console, args);
  };
  return {
    wasmPath: wasmDir,
    restore() {
      console.warn = warn;
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(g, name, descriptor);
        else delete g[name];
      }
      release();
    },
  };
};

/** Runtime 'litert' in Node: LiteRT.js loaded under the shims above, from the installed package. */
export const loadLiteRtNodeAdapter: AdapterLoader = createLiteRtLoader(nodeLiteRtRealm);
