/**
 * The native TensorFlow backend: @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU),
 * loaded by dynamic import only when installed. Neither is a dependency: both download libtensorflow
 * when installed, which needs internet access (and for the GPU one, the CUDA/cuDNN versions its
 * README names).
 */

import { BackendUnavailableError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

/** Which tfjs-node flavour. */
export type TensorflowFlavour = 'gpu' | 'cpu';

/** The npm package of each flavour. */
export const TENSORFLOW_PACKAGES: Readonly<Record<TensorflowFlavour, string>> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  cpu: '@tensorflow/tfjs-node',
};

/** Imports a module by name (injectable so that detection can be exercised without the package). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const importModule: ModuleImporter = (specifier) => import(specifier);

/** What the tensorflow backend runs on. */
export interface TensorflowInfo {
  readonly flavour: TensorflowFlavour;
  readonly detail: string;
  readonly version: string;
}

/** How to install a flavour, for error messages and the README. */
export function installHint(flavour: TensorflowFlavour): string {
  const pkg = TENSORFLOW_PACKAGES[flavour];
  const gpuNote =
    flavour === 'gpu'
      ? ' on a Linux machine with an NVIDIA GPU and the CUDA/cuDNN versions its README names'
      : '';
  return `install it with \`npm install ${pkg}@4.22.0\` (in the edgeml repository: \`pnpm --filter @edgeml/trainer add ${pkg}@4.22.0\`)${gpuNote} (needs internet: it downloads libtensorflow)`;
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
    (e.message ?? '').includes(specifier)
  );
}

/** Loads one tfjs-node flavour and activates its 'tensorflow' backend, or throws BackendUnavailableError. */
export async function setupTensorflowBackend(
  flavour: TensorflowFlavour,
  importer: ModuleImporter = importModule,
): Promise<TensorflowInfo> {
  const specifier = TENSORFLOW_PACKAGES[flavour];
  let binding: { version?: Record<string, string> };
  try {
    binding = (await importer(specifier)) as typeof binding;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) {
      throw new BackendUnavailableError(
        'tensorflow',
        `${specifier} is not installed; ${installHint(flavour)}`,
        {
          package: specifier,
        },
      );
    }
    throw new BackendUnavailableError(
      'tensorflow',
      `${specifier} failed to load: ${(error as Error).message}`,
      {
        package: specifier,
      },
    );
  }
  if (tf.findBackendFactory('tensorflow') == null || !(await tf.setBackend('tensorflow'))) {
    throw new BackendUnavailableError(
      'tensorflow',
      `${specifier} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs ` +
        '(its tfjs version must match 4.22.0)',
      { package: specifier },
    );
  }
  const version = binding.version?.['tfjs-node'] ?? binding.version?.['tfjs-core'] ?? 'unknown';
  const device = flavour === 'gpu' ? 'libtensorflow with CUDA' : 'libtensorflow on CPU';
  return { flavour, detail: `${specifier} (${device})`, version };
}
