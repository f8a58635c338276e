/**
 * `packageWeb`: a model package to a self-contained static site: the demo page, the
 * `edgeml-web.js` ES module (Classifier on onnxruntime-web, or with runtime 'edgeml-wasm' on the
 * module `edgeml compile` wrote, with no ORT at all), ORT's WebAssembly binaries for 'ort-web' (the
 * WebAssembly-only build, and the WebGPU build unless left out), the model file and its manifest.
 * The model is first loaded in Node (onnxruntime-node, or the compiled module) and must take the
 * manifest's input and answer one score per label. Staged in a temporary sibling, measured (raw and gzip bytes per file), then
 * renamed into place; nothing half-written is left behind. Node only.
 */
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BackendUnavailableError,
  ConfigError,
  formatAllowed,
  MANIFEST_FILE_NAME,
  type ModelFileEntry,
} from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { CLASSIFIER_PRECISIONS, type ClassifierPrecision } from '../../classifier/classifier.js';
import { checkOverwritable } from '../overwrite-guard.js';
import {
  checkPackagedModel,
  PACKAGE_RUNTIMES,
  type PackageRuntime,
  packagedModelFile,
} from '../packaged-model-file.js';
import type { WebBackend } from './browser-ort-adapter.js';
import { bundleWebRuntime } from './bundle-web-runtime.js';
import { demoPageHtml } from './demo-page.js';
import { ORT_WEB_WASM_FILE, ORT_WEBGPU_WASM_FILE, WEB_LAYOUT, WEB_MARKER } from './web-files.js';
import { webReadme } from './web-readme.js';

/** Options of packageWeb. */
export interface PackageWebOptions {
  /** Model variant to ship. @default 'float32' */
  readonly precision?: ClassifierPrecision;
  /**
   * What runs the model: 'ort-web' (onnxruntime-web on the ONNX file) or 'edgeml-wasm' (the module
   * `edgeml compile` added to the package; a typed error when it has none). @default 'ort-web'
   */
  readonly runtime?: PackageRuntime;
  /** 'ort-web': ship ORT's WebGPU build (27 MB `.wasm`, fetched only by browsers with WebGPU). @default true */
  readonly webgpu?: boolean;
  /**
   * Skip loading the model in Node (onnxruntime-node or the compiled module) to check that it takes the manifest's input and
   * answers one score per label. @default false
   */
  readonly skipCheck?: boolean;
}

/** One file of the output with its raw and gzip size. */
export interface WebFileSize {
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** What packageWeb wrote. */
export interface PackageWebResult {
  readonly outDir: string;
  /** What runs the model. */
  readonly runtime: PackageRuntime;
  readonly modelFile: ModelFileEntry;
  readonly backends: readonly WebBackend[];
  /** Every file, largest first. */
  readonly files: readonly WebFileSize[];
  /** Raw and gzip bytes a browser without WebGPU downloads (everything but the WebGPU `.wasm`). */
  readonly wasmPageBytes: { readonly bytes: number; readonly gzipBytes: number };
}

function ortWasmPath(file: string): string {
  try {
    return createRequire(import.meta.url).resolve(`onnxruntime-web/${file}`);
  } catch (error) {
    throw new BackendUnavailableError('ort-web', 'package onnxruntime-web is not installed', {
      cause: String(error),
    });
  }
}

async function measure(dir: string): Promise<WebFileSize[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const sizes: WebFileSize[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    sizes.push({
      path: relative(dir, path).split('\\').join('/'),
      bytes: bytes.byteLength,
      gzipBytes: gzipSync(bytes).byteLength,
    });
  }
  return sizes.sort((a, b) => b.bytes - a.bytes);
}

/** Packages the model in `modelDir` as a static web site in `outDir` (see the file comment). */
export async function packageWeb(
  modelDir: string,
  outDir: string,
  options: PackageWebOptions = {},
): Promise<PackageWebResult> {
  const precision = options.precision ?? 'float32';
  if (!CLASSIFIER_PRECISIONS.includes(precision)) {
    throw new ConfigError(`'precision' must be ${formatAllowed(CLASSIFIER_PRECISIONS)}, got '${precision}'`);
  }
  const runtime = options.runtime ?? 'ort-web';
  if (!PACKAGE_RUNTIMES.includes(runtime)) {
    throw new ConfigError(`'runtime' must be ${formatAllowed(PACKAGE_RUNTIMES)}, got '${runtime}'`);
  }
  const backends: WebBackend[] =
    options.webgpu === false || runtime === 'edgeml-wasm' ? ['wasm'] : ['webgpu', 'wasm'];
  const target = resolve(outDir);
  await checkOverwritable(target, {
    what: 'a web target',
    file: WEB_LAYOUT.page,
    isOurs: (page) => page.slice(0, 200).includes(WEB_MARKER),
  });
  const pkg = await readModelPackageDir(modelDir, { verify: true });
  // ort-web: an int8 file planned for it (edgeml quantize --plan-for ort-web) first; edgeml-wasm: the compiled module.
  const modelFile = packagedModelFile(pkg, runtime, precision);
  if (!options.skipCheck) await checkPackagedModel(pkg, modelFile, runtime);

  const staging = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const model = join(staging, WEB_LAYOUT.model);
    await mkdir(join(model, dirname(modelFile.path)), { recursive: true });
    await writeFile(join(model, MANIFEST_FILE_NAME), (await pkg.source.read(MANIFEST_FILE_NAME)) ?? '');
    await writeFile(join(model, modelFile.path), await pkg.readFile(modelFile.path));
    if (runtime === 'ort-web') {
      await mkdir(join(staging, WEB_LAYOUT.ort));
      const wasmFiles = backends.map((b) => (b === 'webgpu' ? ORT_WEBGPU_WASM_FILE : ORT_WEB_WASM_FILE));
      for (const file of wasmFiles) {
        await copyFile(ortWasmPath(file), join(staging, WEB_LAYOUT.ort, file));
      }
    }
    await bundleWebRuntime(staging, precision, backends, runtime);
    await writeFile(join(staging, WEB_LAYOUT.page), demoPageHtml({ title: pkg.manifest.name }));
    await writeFile(
      join(staging, 'README.md'),
      webReadme({ name: pkg.manifest.name, precision, modelFile: modelFile.path, backends, runtime }),
    );
    const files = await measure(staging);
    const webgpuWasm = `${WEB_LAYOUT.ort}/${ORT_WEBGPU_WASM_FILE}`;
    const pageFiles = files.filter((f) => f.path !== webgpuWasm && f.path !== 'README.md');
    const wasmPageBytes = {
      bytes: pageFiles.reduce((n, f) => n + f.bytes, 0),
      gzipBytes: pageFiles.reduce((n, f) => n + f.gzipBytes, 0),
    };
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    return { outDir: target, runtime, modelFile, backends, files, wasmPageBytes };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
