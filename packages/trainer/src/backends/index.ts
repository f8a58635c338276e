/**
 * Backend selection for training: `selectBackend(name)` sets up and activates one TensorFlow.js
 * backend and says what runs and why. 'auto' tries, in order, tfjs-node-gpu, WebGPU (Dawn) with an
 * adapter, tfjs-node, then wasm (always available), and records why each earlier one was skipped.
 */

import { BackendUnavailableError, ConfigError, EdgemlError, formatAllowed } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { setupCpuBackend } from './cpu.js';
import type { ModuleImporter, TensorflowFlavour } from './tensorflow.js';
import { setupTensorflowBackend, TENSORFLOW_PACKAGES } from './tensorflow.js';
import type {
  BackendName,
  BackendRequest,
  SelectBackendOptions,
  SelectedBackend,
  SkippedBackend,
} from './types.js';
import { BACKEND_NAMES } from './types.js';
import { setupWasmBackend } from './wasm/setup.js';
import { setupWebGpuBackend } from './webgpu.js';

export { installHint, TENSORFLOW_PACKAGES } from './tensorflow.js';
export type {
  BackendName,
  BackendRequest,
  SelectBackendOptions,
  SelectedBackend,
  SkippedBackend,
} from './types.js';
export { BACKEND_NAMES } from './types.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './wasm/register.js';

type Chosen = Omit<SelectedBackend, 'requested' | 'skipped' | 'tfBackend' | 'tfjsVersion'>;

async function wasm(options: SelectBackendOptions): Promise<Chosen> {
  const info = await setupWasmBackend(options.threads !== undefined ? { threads: options.threads } : {});
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const note = info.threadsNote !== undefined ? `; ${info.threadsNote}` : '';
  return {
    name: 'wasm',
    detail: `tfjs-backend-wasm ${info.build} build, ${threads}, edgeml training kernels${note}`,
    version: info.version,
    threads: info.threads,
  };
}

async function webgpu(): Promise<Chosen> {
  const info = await setupWebGpuBackend();
  return { name: 'webgpu', detail: info.detail, version: info.version };
}

async function tensorflow(flavour: TensorflowFlavour, importer?: ModuleImporter): Promise<Chosen> {
  const info = await setupTensorflowBackend(flavour, importer);
  return { name: 'tensorflow', detail: info.detail, version: info.version };
}

async function cpu(): Promise<Chosen> {
  return { name: 'cpu', detail: await setupCpuBackend(), version: tf.version_core };
}

interface Candidate {
  readonly label: string;
  readonly setup: () => Promise<Chosen>;
}

/** Only for tests and tools: replaces how tfjs-node packages are imported. */
export interface SelectBackendInternals {
  readonly importer?: ModuleImporter;
}

function candidates(
  request: BackendRequest,
  options: SelectBackendOptions,
  internals: SelectBackendInternals,
): Candidate[] {
  const tfNode = (flavour: TensorflowFlavour): Candidate => ({
    label: `tensorflow (${TENSORFLOW_PACKAGES[flavour]})`,
    setup: () => tensorflow(flavour, internals.importer),
  });
  switch (request) {
    case 'auto':
      return [
        tfNode('gpu'),
        { label: 'webgpu', setup: webgpu },
        tfNode('cpu'),
        { label: 'wasm', setup: () => wasm(options) },
      ];
    case 'tensorflow':
      return [tfNode('gpu'), tfNode('cpu')];
    case 'webgpu':
      return [{ label: 'webgpu', setup: webgpu }];
    case 'wasm':
      return [{ label: 'wasm', setup: () => wasm(options) }];
    case 'cpu':
      return [{ label: 'cpu', setup: cpu }];
  }
}

function reasonOf(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.replace(/^backend '[^']+' is not available: /, '');
}

/** Sets up and activates a TensorFlow.js backend; throws BackendUnavailableError when it cannot run here. */
export async function selectBackend(
  name: BackendRequest,
  options: SelectBackendOptions = {},
  internals: SelectBackendInternals = {},
): Promise<SelectedBackend> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`unknown backend '${String(name)}': expected ${formatAllowed(BACKEND_NAMES)}`, {
      key: 'backend',
      value: name,
      allowed: BACKEND_NAMES,
    });
  }
  const skipped: SkippedBackend[] = [];
  for (const candidate of candidates(name, options, internals)) {
    try {
      const chosen = await candidate.setup();
      return {
        ...chosen,
        requested: name,
        tfBackend: tf.getBackend(),
        tfjsVersion: tf.version_core,
        skipped,
      };
    } catch (error) {
      if (!(error instanceof BackendUnavailableError) && !(error instanceof EdgemlError && name === 'auto'))
        throw error;
      skipped.push({ name: candidate.label, reason: reasonOf(error) });
    }
  }
  const backend: BackendName = name === 'auto' ? 'wasm' : name;
  throw new BackendUnavailableError(backend, skipped.map((s) => `${s.name}: ${s.reason}`).join('; '), {
    skipped,
  });
}
