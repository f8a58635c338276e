/**
 * quantizeModelPackage: the quantize pass (quantize-pass.ts) on a model package directory, for the
 * CLI (`edgeml quantize`) and the pipeline's quantize stage. Loads the package, resolves the images
 * (the given data set or load options, else the data set the manifest records, checked against the
 * model and re-normalised to its preprocessing), runs the pass and saves its output package under
 * the source's name in `outDir` (atomically; `outDir` may be the source directory).
 */

import type { ModelManifest, OptionsOf, ProgressCallback } from '@edgeml/core';
import { type Dataset, datasetForModel, type LoadDatasetOptions, loadModelDataset } from '@edgeml/trainer';
import { loadPassPackage, savePassPackage } from '../../pipeline/pass-package.js';
import type { QAT_OPTIONS, QUANTIZE_OPTIONS } from './quantize-config.js';
import { quantizePass } from './quantize-pass.js';
import type { QuantizationReport } from './quantize-types.js';

/** Options of the `qat` method (the quantize pass's `qat` config: QAT_OPTIONS; absent keys take their defaults). */
export type QatPackageOptions = Partial<OptionsOf<typeof QAT_OPTIONS>>;

/**
 * Options of quantizeModelPackage: the quantize pass's options (QUANTIZE_OPTIONS and `qat`;
 * absent keys take their declared defaults), plus where the images come from and the run's context.
 */
export interface QuantizePackageOptions
  extends Partial<Readonly<Omit<OptionsOf<typeof QUANTIZE_OPTIONS>, 'keepFloat'>>> {
  /** Nodes kept in float (QUANTIZE_OPTIONS.keepFloat). */
  readonly keepFloat?: readonly string[];
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
