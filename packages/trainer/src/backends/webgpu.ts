/**
 * TensorFlow.js's WebGPU backend in Node through Dawn (the `webgpu` npm package), as
 * shared/gpu/README.md describes: WebGPU globals and `navigator.gpu` are installed, an adapter is
 * requested, and only when one exists is `window` defined and the backend imported (it registers
 * itself only where `window` exists). No adapter is an error, never a silent fallback.
 */

import { BackendUnavailableError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

/** What the WebGPU backend runs on. */
export interface WebGpuInfo {
  readonly detail: string;
  readonly version: string;
}

interface GpuAdapterLike {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}

type GlobalWithGpu = typeof globalThis & { navigator?: { gpu?: GpuLike }; window?: unknown };

/** Creates Dawn's `navigator.gpu` (once) and returns it. */
async function installNavigatorGpu(): Promise<GpuLike> {
  const g = globalThis as GlobalWithGpu;
  if (g.navigator?.gpu !== undefined) return g.navigator.gpu;
  let dawn: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (error) {
    throw new BackendUnavailableError(
      'webgpu',
      `the 'webgpu' package (Dawn for Node) could not be loaded: ${(error as Error).message}; ` +
        'install it with `npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`',
    );
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
  return gpu;
}

/** Activates the WebGPU backend, or throws BackendUnavailableError when there is no GPU adapter. */
export async function setupWebGpuBackend(): Promise<WebGpuInfo> {
  const gpu = await installNavigatorGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new BackendUnavailableError(
      'webgpu',
      'Dawn found no GPU adapter (requestAdapter() returned null): this machine has no usable ' +
        'Vulkan/Metal/D3D12 GPU driver; use --backend wasm, or run on a GPU machine (see shared/gpu/README.md)',
    );
  }
  const g = globalThis as unknown as { window?: unknown };
  g.window ??= globalThis;
  const webgpu = (await import('@tensorflow/tfjs-backend-webgpu')) as { version_webgpu?: string };
  if (!(await tf.setBackend('webgpu'))) {
    throw new BackendUnavailableError(
      'webgpu',
      'the adapter exists but the TensorFlow.js WebGPU backend failed to start',
    );
  }
  const info = adapter.info ?? {};
  const device = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return {
    detail: `Dawn WebGPU on ${device || 'an unnamed adapter'}`,
    version: webgpu.version_webgpu ?? tf.version_core,
  };
}
