/**
 * createClassifier over a given set of runtime loaders: reads the package, picks the model file for
 * the runtime and precision, loads it, checks its output against the labels, and wires the shared
 * preprocessing and top-k around it. The web and Node entries call it with their loaders.
 */
import {
  ConfigError,
  createFetchSource,
  defaultModelPrecision,
  EdgemlError,
  findModelFile,
  formatAllowed,
  type ModelPackage,
  type ModelPackageSource,
  readModelPackage,
} from '@edgeml/core';
import { type AdapterLoader, RUNTIME_FORMATS, type RuntimeName } from '../adapters/adapter.js';
import { modelLoadError } from '../adapters/model-load-error.js';
import { inputSpecFor } from '../preprocess/input-spec.js';
import { preprocessInput } from '../preprocess/preprocess.js';
import {
  CLASSIFIER_PRECISIONS,
  type Classifier,
  type ClassifierOptions,
  type ModelPackageInput,
} from './classifier.js';
import { softmax, topK } from './top-k.js';

/** Turns a string the entry does not otherwise understand into a source (web: a URL). */
export type SourceResolver = (location: string) => ModelPackageSource;

function isModelPackage(value: ModelPackageInput): value is ModelPackage {
  return typeof value === 'object' && 'manifest' in value && 'readFile' in value;
}

async function openPackage(
  input: ModelPackageInput,
  resolve: SourceResolver,
  verify: boolean,
): Promise<ModelPackage> {
  if (isModelPackage(input)) return input;
  const source =
    typeof input === 'string' ? resolve(input) : input instanceof URL ? createFetchSource(input.href) : input;
  return readModelPackage(source, { verify });
}

/** The web entry's resolver: every string is a URL prefix. */
export const urlSourceResolver: SourceResolver = (location) => createFetchSource(location);

/** createClassifier with an explicit loader table (see the entries' createClassifier). */
export async function createClassifierWith(
  loaders: Partial<Record<RuntimeName, AdapterLoader>>,
  input: ModelPackageInput,
  options: ClassifierOptions,
  resolve: SourceResolver = urlSourceResolver,
): Promise<Classifier> {
  const runtime = options.runtime;
  const load = loaders[runtime];
  if (!load) {
    const allowed = Object.keys(loaders);
    throw new ConfigError(
      `'runtime' must be ${formatAllowed(allowed)} in this entry, got '${String(runtime)}'`,
      {
        allowed,
      },
    );
  }
  if (options.precision !== undefined && !CLASSIFIER_PRECISIONS.includes(options.precision)) {
    throw new ConfigError(
      `'precision' must be ${formatAllowed(CLASSIFIER_PRECISIONS)}, got '${options.precision}'`,
    );
  }
  const pkg = await openPackage(input, resolve, options.verify ?? false);
  const { manifest } = pkg;
  const precision = options.precision ?? defaultModelPrecision(manifest, RUNTIME_FORMATS[runtime]);
  // A file planned for this runtime (a latency-aware int8 plan) comes before a generic one.
  const file = findModelFile(manifest, RUNTIME_FORMATS[runtime], precision, runtime);
  const inputSpec = inputSpecFor(manifest, file);
  const adapter = await load({
    pkg,
    file,
    ...(options.ortWeb ? { ortWeb: options.ortWeb } : {}),
    ...(options.liteRt ? { liteRt: options.liteRt } : {}),
    ...(options.edgemlWasm ? { edgemlWasm: options.edgemlWasm } : {}),
  });

  // One warm-up run on zeros: proves the file takes this input and answers one score per label.
  const size = inputSpec.shape.reduce((a, b) => a * b, 1);
  let scores: Float32Array;
  try {
    scores = await adapter.run(new Float32Array(size), inputSpec.shape);
  } catch (error) {
    await adapter.dispose().catch(() => {});
    throw modelLoadError(runtime, file.path, error);
  }
  if (scores.length !== manifest.labels.length) {
    await adapter.dispose().catch(() => {});
    throw new EdgemlError(
      'MODEL_INVALID',
      `model file '${file.path}' answers ${scores.length} scores for input [${inputSpec.shape.join(', ')}], but the manifest lists ${manifest.labels.length} labels`,
      { file: file.path, scores: scores.length, labels: manifest.labels.length },
    );
  }
  const logits = (manifest.output?.activation ?? 'softmax') === 'none';

  return {
    runtime,
    precision,
    manifest,
    manifestSha256: pkg.manifestSha256,
    file,
    inputSpec,
    preprocess: (image) => preprocessInput(image, inputSpec),
    async classify(image, classifyOptions = {}) {
      const k = classifyOptions.topK ?? 5;
      if (!Number.isInteger(k) || k < 1) throw new ConfigError(`'topK' must be a positive integer, got ${k}`);
      const start = performance.now();
      const prepared = preprocessInput(image, inputSpec);
      const t0 = performance.now();
      const out = await adapter.run(prepared.tensor, prepared.shape);
      const inference = performance.now() - t0;
      const probabilities = logits ? softmax(out) : out;
      const predictions = topK(probabilities, manifest.labels, Math.min(k, manifest.labels.length));
      return {
        predictions,
        timings: { ...prepared.timings, inference, total: performance.now() - start },
      };
    },
    dispose: () => adapter.dispose(),
  };
}
