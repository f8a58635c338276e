/**
 * `packageWorker`: a model package to a complete, self-contained Wrangler project: wrangler.toml,
 * the entry module, the bundled runtime (Hono + @edgeml/core, and onnxruntime-web for 'ort-web'),
 * the `.wasm` imported as a compiled module (CompiledWasm: ORT's binary for runtime 'ort-web', the
 * model compiled by `edgeml compile` for 'edgeml-wasm', which needs no ORT and no shim), the model
 * file and its manifest. The model is first loaded in Node (onnxruntime-node, or the compiled
 * module) and must take the manifest's input and answer one score per label. The project is staged in a
 * temporary sibling, measured with `wrangler deploy --dry-run`, checked against Cloudflare's script
 * size limit (64 MiB uncompressed, both plans), then renamed into place; nothing half-written is
 * left behind. Access control (API key, rate limit) and batch limits are written into wrangler.toml
 * (see worker-options.ts). Node only.
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  ConfigError,
  EdgemlError,
  formatAllowed,
  type JsonObject,
  MANIFEST_FILE_NAME,
  type ModelFileEntry,
  readOptions,
} from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { CLASSIFIER_PRECISIONS, type ClassifierPrecision } from '../../classifier/classifier.js';
import { ORT_WEB_WASM_FILE, ortWebWasmPath } from '../../node/ort-web-wasm.js';
import { findWrangler } from '../../node/wrangler.js';
import { checkOverwritable } from '../overwrite-guard.js';
import {
  checkPackagedModel,
  PACKAGE_RUNTIMES,
  type PackageRuntime,
  packagedModelFile,
} from '../packaged-model-file.js';
import { type BundleSize, measureWorkerBundle } from './bundle-size.js';
import { bundleWorkerRuntime } from './bundle-worker-runtime.js';
import { WORKER_LIMITS } from './worker-limits.js';
import { parseRateLimit, WORKER_ACCESS_OPTIONS, type WorkerAccessOptions } from './worker-options.js';
import {
  projectPackageJson,
  projectReadme,
  rateLimitNamespaceId,
  type WorkerProjectSpec,
  WRANGLER_MARKER,
  workerEntry,
  wranglerToml,
} from './wrangler-project.js';

/** Options of packageWorker. */
export interface PackageWorkerOptions {
  /** Model variant to serve. @default 'float32' */
  readonly precision?: ClassifierPrecision;
  /**
   * What runs the model: 'ort-web' (onnxruntime-web on the ONNX file) or 'edgeml-wasm' (the module
   * `edgeml compile` added to the package; a typed error when it has none). @default 'ort-web'
   */
  readonly runtime?: PackageRuntime;
  /** Worker name. @default the model's name, slugified */
  readonly name?: string;
  /** wrangler compatibility_date. @default '2025-09-01' */
  readonly compatibilityDate?: string;
  /** EDGEML_CORS_ORIGINS: '' (off), '*', or comma-separated origins. @default '' */
  readonly corsOrigins?: string;
  /** EDGEML_MAX_BODY_BYTES. @default 4 MiB */
  readonly maxBodyBytes?: number;
  /** Access control and batch limits (WORKER_ACCESS_OPTIONS); absent keys take their defaults. */
  readonly access?: Partial<WorkerAccessOptions>;
  /** Package even when the upload exceeds the 64 MiB script size limit. @default false */
  readonly force?: boolean;
  /** Skip the `wrangler deploy --dry-run` measurement (no size budget check). @default false */
  readonly skipMeasure?: boolean;
  /**
   * Skip loading the model in Node (onnxruntime-node or the compiled module) to check that it takes the manifest's input and
   * answers one score per label. @default false
   */
  readonly skipCheck?: boolean;
}

/** What packageWorker wrote. */
export interface PackageWorkerResult {
  readonly outDir: string;
  readonly name: string;
  /** What runs the model. */
  readonly runtime: PackageRuntime;
  readonly modelFile: ModelFileEntry;
  /** Raw and gzip sizes from the dry run (absent with skipMeasure). */
  readonly size?: BundleSize;
  /** What is switched on: the API key, the rate limit, the batch limits. */
  readonly access: WorkerAccessSummary;
  /** Size warnings (forced past the 64 MiB limit). */
  readonly warnings: readonly string[];
}

/** The access control and batch limits a packaged Worker starts with. */
export interface WorkerAccessSummary {
  readonly apiKeyRequired: boolean;
  /** The rate limit, or null when off. */
  readonly rateLimit: { limit: number; period: 10 | 60; by: 'ip' | 'api-key'; namespaceId: number } | null;
  readonly batchMaxImages: number;
  readonly batchMaxBytes: number;
}

/** Default compatibility date of generated projects. */
export const WORKER_COMPATIBILITY_DATE = '2025-09-01';

function workerName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 54);
  return slug === '' ? 'edgeml-classifier' : slug;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

/** Packages the model in `modelDir` as a Wrangler project in `outDir` (see the file comment). */
export async function packageWorker(
  modelDir: string,
  outDir: string,
  options: PackageWorkerOptions = {},
): Promise<PackageWorkerResult> {
  const precision = options.precision ?? 'float32';
  if (!CLASSIFIER_PRECISIONS.includes(precision)) {
    throw new ConfigError(`'precision' must be ${formatAllowed(CLASSIFIER_PRECISIONS)}, got '${precision}'`);
  }
  const runtime = options.runtime ?? 'ort-web';
  if (!PACKAGE_RUNTIMES.includes(runtime)) {
    throw new ConfigError(`'runtime' must be ${formatAllowed(PACKAGE_RUNTIMES)}, got '${runtime}'`);
  }
  const given = Object.entries(options.access ?? {}).filter(([, v]) => v !== undefined);
  const access = readOptions(WORKER_ACCESS_OPTIONS, Object.fromEntries(given) as JsonObject, 'package');
  const rateLimit =
    access.rateLimit === null ? null : { ...parseRateLimit(access.rateLimit), by: access.rateLimitBy };
  const target = resolve(outDir);
  await checkOverwritable(target, {
    what: 'a Worker project',
    file: 'wrangler.toml',
    isOurs: (toml) => toml.startsWith(WRANGLER_MARKER),
  });
  const pkg = await readModelPackageDir(modelDir, { verify: true });
  // ort-web: an int8 file planned for it (quantize --plan-for ort-web) first; edgeml-wasm: the compiled module.
  const modelFile = packagedModelFile(pkg, runtime, precision);
  if (!options.skipCheck) await checkPackagedModel(pkg, modelFile, runtime);
  // The compiled model is the CompiledWasm module itself (src/model.wasm), not a Data file.
  const wasmFile = runtime === 'ort-web' ? ORT_WEB_WASM_FILE : basename(modelFile.path);
  const wrangler = findWrangler();
  const name = workerName(options.name ?? pkg.manifest.name);
  const spec: WorkerProjectSpec = {
    name,
    compatibilityDate: options.compatibilityDate ?? WORKER_COMPATIBILITY_DATE,
    precision,
    runtime,
    modelFiles: runtime === 'ort-web' ? [MANIFEST_FILE_NAME, modelFile.path] : [MANIFEST_FILE_NAME],
    wasmFile,
    corsOrigins: options.corsOrigins ?? '',
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    batchMaxImages: access.batchMaxImages,
    batchMaxBytes: access.batchMaxBytes,
    apiKeyRequired: access.apiKeyRequired,
    ...(rateLimit ? { rateLimit: { ...rateLimit, namespaceId: rateLimitNamespaceId(name) } } : {}),
  };
  const summary: WorkerAccessSummary = {
    apiKeyRequired: access.apiKeyRequired,
    rateLimit: spec.rateLimit ?? null,
    batchMaxImages: access.batchMaxImages,
    batchMaxBytes: access.batchMaxBytes,
  };

  const staging = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const src = join(staging, 'src');
    await mkdir(join(src, 'model', dirname(modelFile.path)), { recursive: true });
    await writeFile(
      join(src, 'model', MANIFEST_FILE_NAME),
      (await pkg.source.read(MANIFEST_FILE_NAME)) ?? '',
    );
    if (runtime === 'ort-web') {
      await writeFile(join(src, 'model', modelFile.path), await pkg.readFile(modelFile.path));
      await copyFile(ortWebWasmPath(), join(src, ORT_WEB_WASM_FILE));
    } else {
      await writeFile(join(src, wasmFile), await pkg.readFile(modelFile.path));
    }
    await bundleWorkerRuntime(join(src, 'edgeml-worker.js'), runtime);
    await writeFile(join(src, 'index.js'), workerEntry(spec));
    await writeFile(join(staging, 'wrangler.toml'), wranglerToml(spec));
    await writeFile(join(staging, 'package.json'), projectPackageJson(spec, wrangler.version));
    await writeFile(join(staging, 'README.md'), projectReadme(spec));
    await writeFile(join(staging, '.gitignore'), 'node_modules/\n.wrangler/\n.dev.vars\n');

    const warnings: string[] = [];
    if (rateLimit?.by === 'api-key' && !access.apiKeyRequired) {
      warnings.push(
        'rate limit by api-key without --api-key-required: while no EDGEML_API_KEY is set, budgets are per client IP',
      );
    }
    let size: BundleSize | undefined;
    if (!options.skipMeasure) {
      size = await measureWorkerBundle(staging);
      const limit = WORKER_LIMITS.scriptBytes;
      if (size.bytes > limit) {
        const message = `Worker upload is ${mb(size.bytes)} uncompressed, over Cloudflare's ${mb(limit)} script size limit (both plans)`;
        if (!options.force) {
          throw new EdgemlError(
            'UNSUPPORTED',
            `${message}; use a smaller (int8) model, or --force to package anyway`,
            {
              bytes: size.bytes,
              limit,
            },
          );
        }
        warnings.push(`${message} (forced)`);
      }
    }
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    return { outDir: target, name, runtime, modelFile, ...(size ? { size } : {}), access: summary, warnings };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
