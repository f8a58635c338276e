/**
 * The model package as passes see it: the validated manifest, the SHA-256 of its manifest.json
 * (the package's identity in lineage and cache keys), the TF.js layers model and its files. A pass's
 * output is built in memory (files serialised, the pass's own files added, manifest hashed) and can
 * be saved as an ordinary package directory that `edgeml export` and every other command read.
 */
import {
  buildManifest,
  type DatasetReference,
  describeFile,
  type JsonObject,
  type LineageStep,
  type MetricValue,
  type ModelFileInput,
  type ModelManifest,
  serializeManifest,
  sha256Hex,
} from '@edgeml/core';
import { readModelPackageDir, writeModelPackage } from '@edgeml/core/node';
import { type DatasetInfo, loadTrainedPackage, preprocessingFor, trainedModelFiles } from '@edgeml/trainer';
import type * as tf from '@tensorflow/tfjs';
import { fileInputOf } from '../export/package/derive-package.js';

/** Where a pass package keeps the pass's report. */
export const PASS_REPORT_PATH = 'report.json';

/** A model package in memory: manifest, its hash, the model, and (when built in memory) its files. */
export interface PassPackage {
  readonly manifest: ModelManifest;
  /** SHA-256 of the manifest.json text. */
  readonly manifestSha256: string;
  readonly model: tf.LayersModel;
  /** The files the manifest describes (built in memory, or read and verified by loadPassPackage). */
  readonly files?: readonly ModelFileInput[];
}

/** What a new package says about itself besides the model. */
export interface PackageContents {
  readonly model: tf.LayersModel;
  /** Name, labels, input, output, preprocessing, training and data are copied from `base`. */
  readonly base: Pick<ModelManifest, 'labels' | 'input' | 'preprocessing'> & Partial<ModelManifest>;
  readonly name: string;
  readonly description?: string;
  readonly metrics?: Readonly<Record<string, MetricValue>>;
  readonly lineage: readonly LineageStep[];
  /** Written as report.json. */
  readonly report?: JsonObject;
  /** More files (a pass's `TransformResult.files`); their paths must differ from the model's and report.json. */
  readonly files?: readonly ModelFileInput[];
}

/** Serialises the model and builds the manifest of a new package, in memory. */
export async function buildPassPackage(contents: PackageContents): Promise<PassPackage> {
  const { base } = contents;
  const files = await trainedModelFiles(contents.model, base.labels);
  if (contents.report !== undefined) {
    files.push({
      path: PASS_REPORT_PATH,
      bytes: `${JSON.stringify(contents.report, null, 2)}\n`,
      format: 'json',
      role: 'report',
    });
  }
  const taken = new Set(files.map((f) => f.path));
  for (const file of contents.files ?? []) {
    if (taken.has(file.path)) {
      throw new TypeError(`package '${contents.name}': file '${file.path}' is listed twice`);
    }
    taken.add(file.path);
    files.push(file);
  }
  const entries = [];
  for (const [i, file] of files.entries()) entries.push((await describeFile(file, i)).entry);
  const manifest = buildManifest(
    {
      name: contents.name,
      ...(contents.description !== undefined && { description: contents.description }),
      labels: [...base.labels],
      input: base.input,
      output: base.output ?? { activation: 'softmax' },
      preprocessing: base.preprocessing,
      metrics: { ...contents.metrics },
      lineage: [...contents.lineage],
      ...(base.training !== undefined && { training: base.training }),
      ...(base.data !== undefined && { data: base.data }),
    },
    entries,
  );
  return {
    manifest,
    manifestSha256: await sha256Hex(serializeManifest(manifest)),
    model: contents.model,
    files,
  };
}

/** A package for a model that has none yet (a zoo model, a model trained in memory) on `dataset`. */
export async function packageFromModel(
  model: tf.LayersModel,
  name: string,
  dataset: DatasetInfo,
  lineage: readonly LineageStep[] = [],
  data?: DatasetReference,
): Promise<PassPackage> {
  const [h, w, c] = dataset.inputShape;
  return buildPassPackage({
    model,
    name,
    base: {
      labels: [...dataset.classNames],
      input: { shape: [h, w, c], layout: 'NHWC', dtype: 'float32' },
      preprocessing: preprocessingFor(dataset),
      ...(data !== undefined && { data }),
    },
    lineage,
  });
}

/** Reads a package directory as a PassPackage: the model and every file, each verified. */
export async function loadPassPackage(dir: string): Promise<PassPackage> {
  const { manifest, manifestSha256, model } = await loadTrainedPackage(dir);
  const pkg = await readModelPackageDir(dir, { verify: false });
  if (pkg.manifestSha256 !== manifestSha256) {
    throw new Error(`model package ${dir} changed while it was read`);
  }
  const files: ModelFileInput[] = [];
  for (const entry of manifest.files) files.push(fileInputOf(entry, await pkg.readFile(entry.path)));
  return { manifest, manifestSha256, model, files };
}

/**
 * Writes a package to `dir` (atomically: a new directory is renamed into place; an existing one gets
 * its files staged, then manifest.json) and returns the manifest written.
 */
export async function savePassPackage(pkg: PassPackage, dir: string): Promise<ModelManifest> {
  if (pkg.files === undefined) {
    throw new TypeError(`package '${pkg.manifest.name}' has no files to save`);
  }
  const { files: _files, schemaVersion: _v, ...draft } = pkg.manifest;
  return writeModelPackage(dir, { manifest: draft, files: pkg.files });
}
