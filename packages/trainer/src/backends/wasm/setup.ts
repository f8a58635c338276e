/**
 * Sets up and activates TensorFlow.js's wasm backend for training: edgeml's training kernels
 * registered, the multi-threaded SIMD build when more than one thread is asked for (see
 * threaded-module.ts), otherwise the single-threaded SIMD build located in node_modules through
 * tfjs-backend-wasm's own `setWasmPaths` with file paths.
 */

import { availableParallelism } from 'node:os';
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
   * @default the machine's available parallelism, at most 8
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
  /** Why threads were not used, when more than one was asked for and one runs. */
  readonly threadsNote?: string;
}

let current: WasmBackendInfo | undefined;

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

function registryFactory(name: string): { factory: BackendFactory; priority: number } | undefined {
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: BackendFactory; priority: number }>;
  };
  return engine.registryFactory[name];
}

/** Sets up the wasm backend (once per process) and makes it the active one. */
export async function setupWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  const requested = options.threads ?? Math.min(8, availableParallelism());
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
  let threadsNote: string | undefined;
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
