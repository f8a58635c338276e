/**
 * Sets up and activates TensorFlow.js's wasm backend for training: edgeml's training kernels
 * registered, the multi-threaded SIMD build when more than one thread is asked for (see
 * threaded-module.ts), otherwise the single-threaded SIMD build located in node_modules through
 * tfjs-backend-wasm's own `setWasmPaths` with file paths.
 */

import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError, ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './register.js';
import {
  addTfjsBridge,
  loadThreadedWasmModule,
  unrefPoolWorkers,
  wasmPackageDir,
} from './threaded-module.js';

/** Options of the wasm backend. */
export interface WasmBackendOptions {
  /**
   * Threads for XNNPACK (convolutions, matMul). 1 selects the single-threaded SIMD build.
   * @default see `defaultWasmThreads`: the cores (at most 8), or 1 when other processes keep them busy
   */
  readonly threads?: number;
}

/** How the wasm backend ended up configured. */
export interface WasmBackendInfo {
  /** Threads XNNPACK uses. */
  readonly threads: number;
  /** Which binary runs. */
  readonly build: 'threaded-simd' | 'simd' | 'plain';
  /** Kernels edgeml registered for it. */
  readonly kernels: readonly string[];
  /** tfjs-backend-wasm version. */
  readonly version: string;
  /** Why one thread runs where more could: not asked for on a busy machine, or the build failed. */
  readonly threadsNote?: string;
}

let current: WasmBackendInfo | undefined;

/**
 * Threads when none are asked for: the available cores (at most 8), but one when the 1-minute load
 * average shows other processes already using them (load >= cores - 0.5). XNNPACK's thread pool
 * waits for every worker at each operator, so a descheduled worker stalls all of them: on the
 * shared 2-core development machine (load 4-6) the reference CNN trained at 303-312 samples/s
 * with one thread and 140-200 with two.
 */
export function defaultWasmThreads(
  cores: number = availableParallelism(),
  load: number = loadavg()[0] ?? 0,
): { threads: number; note?: string } {
  if (cores <= 1) return { threads: 1 };
  if (load >= cores - 0.5) {
    return {
      threads: 1,
      note: `one thread by default: load average ${load.toFixed(1)} on ${cores} cores (pass threads to override)`,
    };
  }
  return { threads: Math.min(8, cores) };
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

function registryFactory(name: string): { factory: BackendFactory; priority: number } | undefined {
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: BackendFactory; priority: number }>;
  };
  return engine.registryFactory[name];
}

/** Sets up the wasm backend (once per process) and makes it the active one. */
export async function setupWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  const byDefault = options.threads === undefined ? defaultWasmThreads() : undefined;
  const requested = options.threads ?? byDefault?.threads ?? 1;
  if (!Number.isInteger(requested) || requested < 1 || requested > 64) {
    throw new ConfigError(`'threads' must be an integer in [1, 64], got ${String(options.threads)}`, {
      key: 'threads',
      value: options.threads,
    });
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const kernels = registerWasmTrainingKernels();
  if (current !== undefined) {
    if (!(await tf.setBackend('wasm')))
      throw new BackendUnavailableError('wasm', 'the wasm backend failed to start');
    return current;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  let build: WasmBackendInfo['build'] = simd ? 'simd' : 'plain';
  let threadsNote: string | undefined = byDefault?.note;
  const original = registryFactory('wasm');
  if (requested > 1 && simd && original !== undefined) {
    tf.removeBackend('wasm');
    tf.registerBackend(
      'wasm',
      async () => {
        const module = await loadThreadedWasmModule(requested);
        addTfjsBridge(module);
        wasm.setThreadsCount(requested);
        const backend = new wasm.BackendWasm(
          module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0],
        );
        unrefPoolWorkers(module);
        return backend;
      },
      original.priority,
    );
    build = 'threaded-simd';
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend returned false');
    } catch (error) {
      threadsNote = `threaded build failed (${(error as Error).message}); using one thread`;
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', original.factory, original.priority);
      build = simd ? 'simd' : 'plain';
    }
  } else if (requested > 1) {
    threadsNote = simd
      ? 'wasm backend factory not found'
      : 'no WebAssembly SIMD: the threaded build needs it';
  }
  if (build !== 'threaded-simd') {
    wasm.setWasmPaths(`${join(wasmPackageDir(), 'dist')}/`);
    if (!(await tf.setBackend('wasm')))
      throw new BackendUnavailableError('wasm', 'the wasm backend failed to start');
  }
  current = {
    threads: wasm.getThreadsCount(),
    build,
    kernels,
    version: wasm.version_wasm,
    ...(threadsNote !== undefined ? { threadsNote } : {}),
  };
  return current;
}
