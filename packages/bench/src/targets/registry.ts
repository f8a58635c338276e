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
      return createWorkerTarget();
    case 'chromium':
      return createChromiumTarget('wasm');
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

/** Parses 'ort-node,worker' (and the alias 'tfjs' = tfjs-wasm + tfjs-cpu) into target names. */
export function parseTargetNames(list: string): TargetName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .flatMap((s) => (s === 'tfjs' ? ['tfjs-wasm', 'tfjs-cpu'] : [s]));
  for (const name of names) createTarget(name);
  return [...new Set(names)] as TargetName[];
}
