/**
 * Loads tfjs-backend-wasm's multi-threaded SIMD build in Node. tfjs disables it there (its flag
 * WASM_HAS_MULTITHREAD_SUPPORT is false under Node, and it hands Emscripten a Blob URL for the
 * pthread worker, which Node's worker_threads cannot load). Node 20 runs it fine when the worker
 * script is a real file, so this writes the shipped worker script to the temp directory and
 * instantiates the shipped Emscripten factory with file paths. Emscripten sizes XNNPACK's pool as
 * min(requested, logical cores / 2); `os.cpus()` is widened for the moment of instantiation so
 * that the requested count is honoured on machines that report one thread per core.
 */

import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

/** The subset of the Emscripten module tfjs' BackendWasm uses, plus the pthread pool. */
export interface ThreadedWasmModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: unknown[]) => unknown;
  PThread?: { runningWorkers: { unref(): void }[] };
  tfjs?: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** Directory of the installed @tensorflow/tfjs-backend-wasm package. */
export function wasmPackageDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

function writeWorkerScript(packageDir: string): string {
  const { wasmWorkerContents } = require(
    join(packageDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  // The same escaping tfjs applies before it makes its Blob: the string holds literal newlines
  // inside JS string literals.
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const path = join(os.tmpdir(), `edgeml-tfjs-wasm-${hash}.worker.cjs`);
  if (!existsSync(path)) {
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, script);
    renameSync(partial, path);
  }
  return path;
}

/** Instantiates the threaded SIMD build with a pool of `threads` workers available to XNNPACK. */
export async function loadThreadedWasmModule(threads: number): Promise<ThreadedWasmModule> {
  const packageDir = wasmPackageDir();
  const workerPath = writeWorkerScript(packageDir);
  const factory = require(join(packageDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js')) as (
    config: Record<string, unknown>,
  ) => Promise<ThreadedWasmModule>;
  const cpus = os.cpus;
  const needed = threads * 2;
  os.cpus = () => {
    const real = cpus();
    const first = real[0];
    if (real.length >= needed || first === undefined) return real;
    return [...real, ...Array.from({ length: needed - real.length }, () => first)];
  };
  try {
    return await factory({
      locateFile: (path: string) => {
        if (path.endsWith('.worker.js')) return workerPath;
        if (path.endsWith('.wasm')) return join(packageDir, 'dist', path);
        return join(packageDir, 'wasm-out', path);
      },
    });
  } finally {
    os.cpus = cpus;
  }
}

/** Adds the `tfjs` bridge BackendWasm expects (what tfjs' own init() adds). */
export function addTfjsBridge(module: ThreadedWasmModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

/** Lets the process exit while XNNPACK's pool threads idle. */
export function unrefPoolWorkers(module: ThreadedWasmModule): void {
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
}
