/**
 * The part of a packaged Worker's runtime shared by every model runtime: the package files the
 * generated entry imports (wrangler `Data` modules) held as an in-memory package, and the Hono app
 * around them. Each runtime entry (worker-runtime.ts for onnxruntime-web,
 * compiled-worker-runtime.ts for the compiled module) only says how to load its WorkerModel.
 */
import { createMemorySource, type ModelFileEntry, type ModelPackage, readModelPackage } from '@edgeml/core';
import type { ClassifierPrecision } from '../../classifier/classifier.js';
import { createWorkerApp } from './app.js';
import type { WorkerModel } from './worker-model.js';
import type { WorkerSettings } from './worker-settings.js';

/** What every generated Worker entry hands over, whatever runs the model. */
export interface WorkerFilesInit {
  /** Package files by relative path (manifest.json and the model file at least). */
  readonly files: Readonly<Record<string, ArrayBuffer | Uint8Array>>;
  readonly precision: ClassifierPrecision;
  readonly defaults?: Partial<WorkerSettings>;
}

/**
 * The Worker app over the package held in `init.files`, its model loaded by `loadModel`;
 * `modelFile` names the manifest entry served (default: the ONNX file).
 */
export function createWorkerFromFiles(
  init: WorkerFilesInit,
  loadModel: (pkg: ModelPackage) => Promise<WorkerModel>,
  modelFile?: (pkg: ModelPackage) => ModelFileEntry,
) {
  const files = Object.fromEntries(
    Object.entries(init.files).map(([path, data]) => [
      path,
      data instanceof Uint8Array ? data : new Uint8Array(data),
    ]),
  );
  const source = createMemorySource(files, 'worker:model');
  return createWorkerApp({
    precision: init.precision,
    ...(init.defaults ? { defaults: init.defaults } : {}),
    // The loaded file is checked against its SHA-256 on read; verifying every file is not needed.
    loadPackage: () => readModelPackage(source, { verify: false }),
    loadModel,
    ...(modelFile ? { modelFile } : {}),
  });
}
