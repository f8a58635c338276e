/**
 * Builds the `.tflite` page for Chromium (the bench's chromium-litert / chromium-tflite targets and
 * the e2e LiteRT.js suite): a directory with `index.html`, `edgeml-tflite.js` (tflite-page-entry.ts
 * bundled by esbuild, as runtime-edge resolves it), `model/` (the package's files), `litert-wasm/`
 * (LiteRT.js's non-threaded builds) and `tflite-wasm/` (tfjs-tflite's client and builds). Node only.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BackendUnavailableError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { resolvedFrom } from '../runtime/package-version.js';

/** File names inside the built page directory. */
export const TFLITE_PAGE_LAYOUT = {
  page: 'index.html',
  library: 'edgeml-tflite.js',
  model: 'model',
  litertWasm: 'litert-wasm',
  tfliteWasm: 'tflite-wasm',
} as const;

/** The part of esbuild's API used here. */
interface EsbuildApi {
  build(options: Record<string, unknown>): Promise<unknown>;
}

function entryFile(): string {
  for (const ext of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`./tflite-page-entry${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BackendUnavailableError('chromium', 'tflite-page-entry source is missing');
}

function runtimeEdgeRequire(): NodeJS.Require {
  const from = resolvedFrom('@edgeml/runtime-edge/node');
  if (!from) throw new BackendUnavailableError('chromium', 'package @edgeml/runtime-edge is not installed');
  return createRequire(from);
}

async function copyDir(from: string, to: string, keep: (name: string) => boolean): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) if (keep(name)) await copyFile(join(from, name), join(to, name));
}

/** Writes the page for the package in `modelDir` into `outDir` (created). */
export async function buildTflitePage(modelDir: string, outDir: string): Promise<void> {
  const require = runtimeEdgeRequire();
  // esbuild as runtime-edge resolves it (the bench declares no bundler of its own).
  const esbuild = (await import(pathToFileURL(require.resolve('esbuild')).href)) as EsbuildApi;
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [entryFile()],
    outfile: join(outDir, TFLITE_PAGE_LAYOUT.library),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    // The page runs LiteRT.js and tfjs-tflite only: the other runtimes' packages stay out.
    external: ['onnxruntime-web', 'onnxruntime-web/*', '@tensorflow/tfjs', 'node:*'],
  });
  const litert = join(dirname(dirname(require.resolve('@litertjs/core'))), 'wasm');
  await copyDir(litert, join(outDir, TFLITE_PAGE_LAYOUT.litertWasm), (n) => !n.includes('_threaded_'));
  const tflite = join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
  await copyDir(tflite, join(outDir, TFLITE_PAGE_LAYOUT.tfliteWasm), () => true);
  const pkg = await readModelPackageDir(modelDir, { verify: false });
  const model = join(outDir, TFLITE_PAGE_LAYOUT.model);
  for (const file of ['manifest.json', ...pkg.manifest.files.map((f) => f.path)]) {
    await mkdir(dirname(join(model, file)), { recursive: true });
    await copyFile(join(modelDir, file), join(model, file));
  }
  await writeFile(
    join(outDir, TFLITE_PAGE_LAYOUT.page),
    '<!doctype html><meta charset="utf-8"><title>edgeml .tflite page</title>\n',
  );
}
