/**
 * Registers edgeml's training kernels for the tfjs wasm backend, from one list, when asked (never
 * on import). Call it after '@tensorflow/tfjs-backend-wasm' has been imported (its own kernels must
 * be registered) and before or after `tf.setBackend('wasm')`. Idempotent.
 */

import { BackendUnavailableError } from '@edgeml/core';
import type { KernelConfig } from '@tensorflow/tfjs';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import { createBatchMatMulConfig } from './batch-mat-mul.js';
import { batchNormGradStatsConfig } from './batch-norm-grad-stats.js';
import { installBatchNormGradient } from './batch-norm-gradient.js';
import { createCastConfig } from './cast.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input.js';
import { createFusedBatchNormConfig } from './fused-batch-norm.js';
import { createIdentityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { installMeanGradient } from './mean-gradient.js';
import { createMeanConfig, createSumConfig } from './reduce-leading-axes.js';
import { createTileConfig } from './tile.js';

/** Kernels the wasm backend lacks for training, or has only as a scalar loop (replaced outright). */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
  batchNormGradStatsConfig,
];

const ours = new WeakSet<KernelConfig>(WASM_TRAINING_KERNELS);
const originals = new Map<string, KernelConfig>();

/** The backend's own kernel that edgeml replaced or wrapped (for benchmarks), if there was one. */
export function originalWasmKernel(kernelName: string): KernelConfig | undefined {
  return originals.get(kernelName);
}

function install(config: KernelConfig): void {
  const current = getKernel(config.kernelName, 'wasm');
  if (current === config) return;
  if (current !== undefined && !ours.has(current) && !originals.has(config.kernelName)) {
    originals.set(config.kernelName, current);
  }
  if (current !== undefined) unregisterKernel(config.kernelName, 'wasm');
  registerKernel(config);
}

/** Backend kernels wrapped with a fast path for training's common case (the rest go to the original). */
export const WASM_KERNEL_WRAPPERS: Readonly<Record<string, (original: KernelConfig) => KernelConfig>> = {
  BatchMatMul: createBatchMatMulConfig,
  Tile: createTileConfig,
  Sum: createSumConfig,
  Mean: createMeanConfig,
  Identity: createIdentityConfig,
  FusedBatchNorm: createFusedBatchNormConfig,
  Cast: createCastConfig,
};

/** Names of the kernels `registerWasmTrainingKernels` installs. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [
  ...WASM_TRAINING_KERNELS.map((k) => k.kernelName),
  ...Object.keys(WASM_KERNEL_WRAPPERS),
];

/**
 * Registers (or replaces) the training kernels for backendName 'wasm', and installs the batch-norm
 * and Mean gradients that use them there (tfjs-core's stays in use on other backends); returns their names.
 */
export function registerWasmTrainingKernels(): readonly string[] {
  if (getKernel('BatchMatMul', 'wasm') === undefined) {
    throw new BackendUnavailableError(
      'wasm',
      "import '@tensorflow/tfjs-backend-wasm' before registering edgeml's wasm training kernels",
    );
  }
  for (const config of WASM_TRAINING_KERNELS) install(config);
  installBatchNormGradient();
  installMeanGradient();
  for (const [name, wrap] of Object.entries(WASM_KERNEL_WRAPPERS)) {
    const original = getKernel(name, 'wasm');
    if (original === undefined || ours.has(original)) continue;
    const wrapped = wrap(original);
    ours.add(wrapped);
    install(wrapped);
  }
  return WASM_TRAINING_KERNEL_NAMES;
}
