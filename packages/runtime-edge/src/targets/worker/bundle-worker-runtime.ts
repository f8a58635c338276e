/**
 * Bundles the Worker runtime into one self-contained ES module with esbuild, so the packaged
 * Wrangler project depends on nothing outside its own directory: for 'ort-web' worker-runtime.ts
 * (Hono, onnxruntime-web's JS, @edgeml/core and the image decoders), for 'edgeml-wasm'
 * compiled-worker-runtime.ts (the same without onnxruntime-web). Node only.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@edgeml/core';
import type { PackageRuntime } from '../packaged-model-file.js';

const ENTRIES: Record<PackageRuntime, string> = {
  'ort-web': 'worker-runtime',
  'edgeml-wasm': 'compiled-worker-runtime',
};

function runtimeEntry(runtime: PackageRuntime): string {
  const name = ENTRIES[runtime];
  for (const ext of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BackendUnavailableError('esbuild', `${name} source not found next to the packager`);
}

/** Writes the bundled Worker runtime of `runtime` to `outfile` (minified ESM for workerd). */
export async function bundleWorkerRuntime(
  outfile: string,
  runtime: PackageRuntime = 'ort-web',
): Promise<void> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new BackendUnavailableError('esbuild', 'package esbuild is not installed', {
      cause: String(error),
    });
  }
  await esbuild.build({
    entryPoints: [runtimeEntry(runtime)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
    banner: {
      js: `// Bundled by edgeml: @edgeml/runtime-edge worker runtime, Hono, ${runtime === 'ort-web' ? 'onnxruntime-web' : 'the edgeml-wasm adapter'}.`,
    },
  });
}
