/**
 * Bundles the web target's two ES modules with esbuild: `edgeml-web.js` (for runtime 'ort-web'
 * web-runtime.ts with onnxruntime-web's WebGPU and WebAssembly builds, for 'edgeml-wasm'
 * compiled-web-runtime.ts without them; @edgeml/core and the image decoders in both) and
 * `demo.js` (the demo page's script, which imports `./edgeml-web.js` rather than a second copy).
 * No code splitting: `import.meta.url` must name `edgeml-web.js` itself, which is how the module
 * finds `./model/` and `./ort/`. Node only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@edgeml/core';
import type { ClassifierPrecision } from '../../classifier/classifier.js';
import type { PackageRuntime } from '../packaged-model-file.js';
import type { WebBackend } from './browser-ort-adapter.js';
import { WEB_LAYOUT } from './web-files.js';

function sourceFile(name: string): string {
  for (const ext of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BackendUnavailableError('esbuild', `${name} source not found next to the packager`);
}

/** Writes `edgeml-web.js` and `demo.js` into `outDir` (minified ESM for browsers). */
export async function bundleWebRuntime(
  outDir: string,
  precision: ClassifierPrecision,
  backends: readonly WebBackend[],
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
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
  } as const;
  await esbuild.build({
    ...common,
    entryPoints: [sourceFile(runtime === 'ort-web' ? 'web-runtime' : 'compiled-web-runtime')],
    outfile: join(outDir, WEB_LAYOUT.library),
    define: {
      EDGEML_WEB_PRECISION: JSON.stringify(precision),
      EDGEML_WEB_BACKENDS: JSON.stringify(backends),
    },
    banner: {
      js:
        runtime === 'ort-web'
          ? '// Bundled by edgeml: loadWebClassifier() over onnxruntime-web (WebGPU, WebAssembly).'
          : '// Bundled by edgeml: loadWebClassifier() over the model compiled by edgeml compile.',
    },
  });
  await esbuild.build({
    ...common,
    entryPoints: [sourceFile('demo-app')],
    outfile: join(outDir, WEB_LAYOUT.demo),
    banner: { js: '// Bundled by edgeml: the demo page script.' },
    plugins: [
      {
        name: 'edgeml-web-library',
        setup(build) {
          build.onResolve({ filter: /\/web-runtime\.js$/ }, () => ({
            path: `./${WEB_LAYOUT.library}`,
            external: true,
          }));
        },
      },
    ],
  });
}
