/** The built-in targets by name. */
import { ConfigError, formatAllowed } from '@edgeml/core';
import { TARGET_NAMES, type TargetName } from '../report/types.js';
import { createChromiumTarget } from './chromium/chromium-target.js';
import { createTflitePageTarget } from './chromium/tflite-page-target.js';
import { createRuntimeTarget } from './runtime/runtime-target.js';
import type { BenchTarget } from './target.js';
import { createWorkerTarget } from './worker/worker-target.js';

/** Creates the built-in target `name` (ConfigError naming the allowed names otherwise). */
export function createTarget(name: string): BenchTarget {
  switch (name as TargetName) {
    case 'ort-node':
    case 'ort-web':
    case 'edgeml-wasm':
    case 'tflite':
    case 'litert':
    case 'tfjs-wasm':
    case 'tfjs-cpu':
      return createRuntimeTarget(name as 'ort-node');
    case 'worker':
      return createWorkerTarget('ort-web');
    case 'worker-edgeml-wasm':
      return createWorkerTarget('edgeml-wasm');
    case 'chromium':
      return createChromiumTarget('wasm');
    case 'chromium-edgeml-wasm':
      return createChromiumTarget('edgeml-wasm');
    case 'chromium-webgpu':
      return createChromiumTarget('webgpu');
    case 'chromium-litert':
      return createTflitePageTarget('litert');
    case 'chromium-tflite':
      return createTflitePageTarget('tflite');
  }
  throw new ConfigError(`target must be ${formatAllowed(TARGET_NAMES)}, got '${name}'`, {
    option: 'targets',
    allowed: TARGET_NAMES,
  });
}

/** Target aliases: TF.js on both backends; onnxruntime-web and the compiled module on every host. */
export const TARGET_ALIASES: Readonly<Record<string, readonly TargetName[]>> = {
  tfjs: ['tfjs-wasm', 'tfjs-cpu'],
  'wasm-runtimes': [
    'ort-web',
    'edgeml-wasm',
    'worker',
    'worker-edgeml-wasm',
    'chromium',
    'chromium-edgeml-wasm',
  ],
};

/** Parses 'ort-node,worker' (and the aliases of TARGET_ALIASES) into target names. */
export function parseTargetNames(list: string): TargetName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .flatMap((s): string[] => [...(TARGET_ALIASES[s] ?? [s])]);
  for (const name of names) createTarget(name);
  return [...new Set(names)] as TargetName[];
}
