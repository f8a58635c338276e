/**
 * quantizeModelPackage: the quantize pass (quantize-pass.ts) on a model package directory, for the
 * CLI (`edgeml quantize`) and the pipeline's quantize stage. Loads the package, resolves the images
 * (the given data set or load options, else the data set the manifest records, checked against the
 * model and re-normalised to its preprocessing), runs the pass and saves its output package under
 * the source's name in `outDir` (atomically; `outDir` may be the source directory).
 */

import type { ModelManifest, ProgressCallback } from '@edgeml/core';
import { type Dataset, datasetForModel, type LoadDatasetOptions, loadModelDataset } from '@edgeml/trainer';
import { loadPassPackage, savePassPackage } from '../../pipeline/pass-package.js';
import { quantizePass } from './quantize-pass.js';
import type { OnnxQuantFormat, QuantizationMethod, QuantizationReport } from './quantize-types.js';
import type { CalibrationMethod } from './range-estimators.js';

/** Options of the `qat` method (the quantize pass's `qat` config). */
export interface QatPackageOptions {
  /** Fine-tuning images drawn from the training split. @default the whole training split */
  readonly images?: number;
  /** @default 1 */
  readonly epochs?: number;
  /** @default 64 */
  readonly batchSize?: number;
  /** Adam learning rate. @default 1e-5 */
  readonly learningRate?: number;
  /** Seed of the image sample and batch order. @default 0 */
  readonly seed?: number;
  /** Weight of the float model's predictions in the targets (self-distillation). @default 0.5 */
  readonly teacherWeight?: number;
}

/**
 * Options of quantizeModelPackage: the quantize pass's config (QuantizeConfig; absent keys take its
 * defaults), plus where the images come from and the run's context.
 */
export interface QuantizePackageOptions {
  /** @default 'ptq' */
  readonly method?: QuantizationMethod;
  /** Range estimator (ptq). @default 'minmax' */
  readonly calibration?: CalibrationMethod;
  /** Percentile of `percentile` calibration, in (50, 100]. @default 99.99 */
  readonly percentile?: number;
  /** Calibration images drawn from the training split (ptq). @default 512 */
  readonly calibrationImages?: number;
  /** Evaluation images drawn from the test split (0 = no evaluation). @default 0 */
  readonly evalImages?: number;
  /** Per-tensor weight scales instead of per output channel. @default false */
  readonly perTensor?: boolean;
  /** Accuracy-aware: largest top-1 drop in points before layers fall back to float (needs evalImages). */
  readonly maxDrop?: number;
  /**
   * Nodes (IR names, as listed in the report's `int8Nodes`) to keep in float: e.g. a large Dense
   * layer for onnxruntime-web, whose WebAssembly int8 GEMM repacks the weights on every run.
   */
  readonly keepFloat?: readonly string[];
  /** Form of model.int8.onnx. @default 'qdq' */
  readonly onnxFormat?: OnnxQuantFormat;
  /** Timed onnxruntime-node runs per latency (0 = skip). @default 200 */
  readonly latencyRuns?: number;
  /** Quantisation-aware training settings (method `qat`). */
  readonly qat?: QatPackageOptions;
  /**
   * Data to draw images from: loadDataset options, or a data set already loaded. Either is checked
   * against the model (classes, input shape). @default the data set recorded in the manifest (`data`)
   */
  readonly dataset?: LoadDatasetOptions | Dataset;
  readonly toolVersion: string;
  readonly onProgress?: ProgressCallback;
}

/** What quantizeModelPackage wrote. */
export interface QuantizePackageResult {
  readonly outDir: string;
  readonly manifest: ModelManifest;
  readonly report: QuantizationReport;
}

/** The images for `manifest`: `given` (options or a loaded data set) or the manifest's own reference, checked, re-normalised. */
async function datasetFor(
  manifest: ModelManifest,
  given: LoadDatasetOptions | Dataset | undefined,
): Promise<Dataset> {
  if (given !== undefined && 'split' in given)
    return datasetForModel(given, { name: given.info.name }, manifest).forModel;
  return (await loadModelDataset(manifest, given)).forModel;
}

/** Quantises the model package in `sourceDir` into `outDir` (which may be `sourceDir`) with the quantize pass. */
export async function quantizeModelPackage(
  sourceDir: string,
  outDir: string,
  options: QuantizePackageOptions,
): Promise<QuantizePackageResult> {
  const { dataset, toolVersion, onProgress, ...config } = options;
  const pass = quantizePass.create(config); // the config is checked before anything is read
  const input = await loadPassPackage(sourceDir);
  const data = pass.needsDataset ? await datasetFor(input.manifest, dataset) : undefined;
  const { output, report } = await pass.run(input, {
    toolVersion,
    ...(data && { dataset: data }),
    ...(onProgress && { onProgress }),
  });
  // The package keeps the source's name (the bench and the reports show it).
  const manifest = await savePassPackage(
    { ...output, manifest: { ...output.manifest, name: input.manifest.name } },
    outDir,
  );
  input.model.dispose();
  output.model.dispose();
  return { outDir, manifest, report };
}
