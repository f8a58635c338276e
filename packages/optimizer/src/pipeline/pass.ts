/**
 * The Pass contract (DESIGN.md rule 3): a pass is declared once (`definePass`: name, version, a
 * config validator and a transform) and created with a plain-JSON config, which is validated right
 * then. `run(input, ctx)` returns a new model package and a report and never mutates its input; the
 * output's manifest records the lineage (pass, config, input manifest sha256). With `ctx.cacheDir`,
 * results are cached under a hash of (pass name, pass version, config, input sha256, data set, TF.js
 * backend), so a re-run skips passes that already finished. Besides the TF.js model, a pass may add
 * files to its output package (`TransformResult.files`: the int8 ONNX/TFLite files of quantize).
 * `ctx.dataset` is checked against the input model (DatasetMismatchError) and handed to the
 * transform re-normalised to the model's preprocessing mean/std.
 */
import {
  createLineageStep,
  type JsonObject,
  type MetricValue,
  type ModelFileInput,
  type ProgressCallback,
  sha256Hex,
} from '@edgeml/core';
import { checkDatasetMatchesModel, type Dataset, renormalizeDataset } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { cacheKey, readCachedResult, writeCachedResult } from './pass-cache.js';
import { buildPassPackage, type PassPackage } from './pass-package.js';

/** What a run may use besides its input: data, a cache, progress. */
export interface PassContext {
  /** The data set for passes that train or evaluate (distill, prune, quantize calibration). */
  readonly dataset?: Dataset;
  /** Cache directory; no caching when absent. */
  readonly cacheDir?: string;
  /** edgeml version recorded in the lineage. */
  readonly toolVersion: string;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}

/** What a transform returns: a new model (never the input's object), its report and metrics. */
export interface TransformResult<Report extends JsonObject> {
  readonly model: tf.LayersModel;
  readonly report: Report;
  /** Metrics of the new model for its manifest (e.g. `test_accuracy`). */
  readonly metrics?: Readonly<Record<string, MetricValue>>;
  /**
   * Files the output package holds besides the TF.js model, labels.txt and report.json (which the
   * contract writes), e.g. `model.int8.onnx`; a path the contract writes is an error.
   */
  readonly files?: readonly ModelFileInput[];
}

/** A pass's declaration. */
export interface PassDefinition<Config extends JsonObject, Report extends JsonObject> {
  /** Lineage and cache name: `fold-bn`, `prune`, `distill`, `quantize`. */
  readonly name: string;
  /** Bump when the transform's output changes for the same config (invalidates caches). */
  readonly version: number;
  /** One line for help texts. */
  readonly description: string;
  /**
   * True when the pass needs `ctx.dataset` (its identity and the TF.js backend then enter the cache
   * key); a function when that depends on the config (quantize's `dynamic` method needs no images).
   */
  readonly needsDataset: boolean | ((config: Config) => boolean);
  /** Checks a JSON config and fills in defaults; throws ConfigError naming the key and range. */
  validate(json: unknown): Config;
  /** Does the work. Must not mutate `input.model` (clone it before training). */
  transform(input: PassPackage, config: Config, ctx: PassContext): Promise<TransformResult<Report>>;
}

/** What `Pass.run` returns. */
export interface PassResult<Report extends JsonObject> {
  /** The new package (its manifest's last lineage step is this pass). */
  readonly output: PassPackage;
  readonly report: Report;
  /** True when the result came from the cache and the transform did not run. */
  readonly cached: boolean;
  /** The cache key of this (pass, version, config, input, data set, backend). */
  readonly key: string;
}

/** A pass with a validated config, ready to run. */
export interface Pass<Config extends JsonObject = JsonObject, Report extends JsonObject = JsonObject> {
  readonly name: string;
  readonly version: number;
  readonly config: Config;
  /** Whether `run` needs `ctx.dataset` with this config. */
  readonly needsDataset: boolean;
  run(input: PassPackage, ctx: PassContext): Promise<PassResult<Report>>;
}

/** Creates passes of one kind from JSON configs. */
export interface PassFactory<Config extends JsonObject = JsonObject, Report extends JsonObject = JsonObject> {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  /** Validates `config` now and returns the pass. */
  create(config?: unknown): Pass<Config, Report>;
}

/** Declares a pass; `create(config)` validates the config immediately. */
export function definePass<Config extends JsonObject, Report extends JsonObject>(
  definition: PassDefinition<Config, Report>,
): PassFactory<Config, Report> {
  return {
    name: definition.name,
    version: definition.version,
    description: definition.description,
    create(json?: unknown): Pass<Config, Report> {
      const config = definition.validate(json);
      const needs = definition.needsDataset;
      const needsDataset = typeof needs === 'function' ? needs(config) : needs;
      return {
        name: definition.name,
        version: definition.version,
        config,
        needsDataset,
        run: (input, ctx) => runPass(definition, config, needsDataset, input, ctx),
      };
    },
  };
}

async function runPass<Config extends JsonObject, Report extends JsonObject>(
  definition: PassDefinition<Config, Report>,
  config: Config,
  needsDataset: boolean,
  input: PassPackage,
  ctx: PassContext,
): Promise<PassResult<Report>> {
  if (needsDataset && ctx.dataset === undefined) {
    throw new TypeError(`pass '${definition.name}' needs ctx.dataset`);
  }
  if (ctx.dataset !== undefined) {
    // The data must be the model's (classes, input shape), and the pass sees it normalised as the
    // model was trained: the data set's own statistics may differ (another seed, split or source).
    checkDatasetMatchesModel(ctx.dataset.info, input.manifest);
    ctx = { ...ctx, dataset: renormalizeDataset(ctx.dataset, input.manifest.preprocessing) };
  }
  const datasetSha = needsDataset && ctx.dataset ? await sha256Hex(JSON.stringify(ctx.dataset.info)) : null;
  const key = await cacheKey({
    pass: definition.name,
    version: definition.version,
    config,
    input: input.manifestSha256,
    dataset: datasetSha,
    // Training and calibration results differ between backends: never reuse one for another.
    backend: needsDataset ? tf.getBackend() : null,
  });
  if (ctx.cacheDir !== undefined) {
    const hit = await readCachedResult<Report>(ctx.cacheDir, definition.name, key);
    if (hit !== null) return { output: hit.output, report: hit.report, cached: true, key };
  }
  const started = performance.now();
  const result = await definition.transform(input, config, ctx);
  if (result.model === input.model) {
    throw new Error(`pass '${definition.name}' returned its input model; passes must return a new model`);
  }
  const durationMs = Math.round(performance.now() - started);
  const step = createLineageStep({
    kind: 'pass',
    name: definition.name,
    config: { ...config, passVersion: definition.version },
    inputs: [
      { name: input.manifest.name, sha256: input.manifestSha256, kind: 'manifest' },
      ...(ctx.dataset && datasetSha
        ? [{ name: ctx.dataset.info.name, sha256: datasetSha, kind: 'dataset' as const }]
        : []),
    ],
    toolVersion: ctx.toolVersion,
    durationMs,
    report: result.report,
  });
  const output = await buildPassPackage({
    model: result.model,
    base: input.manifest,
    name: `${input.manifest.name}-${definition.name}`,
    ...(result.metrics !== undefined && { metrics: result.metrics }),
    lineage: [...input.manifest.lineage, step],
    report: result.report,
    ...(result.files !== undefined && { files: result.files }),
  });
  if (ctx.cacheDir !== undefined) await writeCachedResult(ctx.cacheDir, definition.name, key, output);
  return { output, report: result.report, cached: false, key };
}
