/**
 * Bundles the Worker runtime (worker-runtime.ts with Hono, onnxruntime-web's JS, @edgeml/core and
 * the image decoders) into one self-contained ES module with esbuild, so the packaged Wrangler
 * project depends on nothing outside its own directory. Node only.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@edgeml/core';

function runtimeEntry(): string {
  for (const ext of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`./worker-runtime${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BackendUnavailableError('esbuild', 'worker-runtime source not found next to the packager');
}

/** Writes the bundled Worker runtime to `outfile` (minified ESM for workerd). */
export async function bundleWorkerRuntime(outfile: string): Promise<void> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new BackendUnavailableError('esbuild', 'package esbuild is not installed', {
      cause: String(error),
    });
  }
  await esbuild.build({
    entryPoints: [runtimeEntry()],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
    banner: { js: '// Bundled by edgeml: @edgeml/runtime-edge worker runtime, Hono, onnxruntime-web.' },
  });
}
