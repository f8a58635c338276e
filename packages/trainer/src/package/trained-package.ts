/**
 * Trained models as model packages: `tfjs/model.json` + `tfjs/weights.bin` (TF.js layers format),
 * `labels.txt` and `summary.json`, described by a manifest that carries the labels, the input
 * shape, the data set's normalisation, the measured metrics and the lineage. Later stages (export,
 * quantize, package) add files to the same directory.
 */
import type {
  DatasetReference,
  JsonObject,
  LineageStep,
  MetricValue,
  ModelFileInput,
  ModelManifest,
  Preprocessing,
  TrainingInfo,
} from '@edgeml/core';
import { EdgemlError, findModelFile } from '@edgeml/core';
import { readModelPackageDir, writeModelPackage } from '@edgeml/core/node';
import type * as tf from '@tensorflow/tfjs';
import type { DatasetInfo } from '../data/dataset.js';
import { deserializeLayersModel, serializeLayersModel } from '../train/model-io.js';

/** Where the TF.js layers model lives inside a package. */
export const TFJS_MODEL_PATH = 'tfjs/model.json';

/** What a trained package holds besides the model. */
export interface TrainedPackageInput {
  /** Package name (e.g. 'fashion-mnist-cnn-small'). */
  readonly name: string;
  readonly model: tf.LayersModel;
  /** The data set it was trained on: labels, input shape, normalisation. */
  readonly dataset: DatasetInfo;
  readonly metrics: Readonly<Record<string, MetricValue>>;
  readonly lineage: readonly LineageStep[];
  readonly training?: TrainingInfo;
  /** Where the data came from, so later steps can load it again (`datasetReference`). */
  readonly data?: DatasetReference;
  /** Written as summary.json (the numbers a person or a later stage wants at a glance). */
  readonly summary: JsonObject;
}

/** The manifest's preprocessing block for a model trained on `info`. */
export function preprocessingFor(info: DatasetInfo): Preprocessing {
  const [height, width, channels] = info.inputShape;
  return {
    resize: { height, width, method: 'bilinear', ...(info.fit === 'center-crop' && { fit: info.fit }) },
    channels: channels === 1 ? 'grayscale' : 'rgb',
    scale: 1 / 255,
    mean: [...info.normalization.mean],
    std: [...info.normalization.std],
  };
}

/** The files of a package's TF.js model: `tfjs/model.json`, `tfjs/weights.bin` and `labels.txt`. */
export async function trainedModelFiles(
  model: tf.LayersModel,
  labels: readonly string[],
): Promise<ModelFileInput[]> {
  const { modelJson, weights } = await serializeLayersModel(model, 'weights.bin');
  return [
    {
      path: TFJS_MODEL_PATH,
      bytes: JSON.stringify(modelJson),
      format: 'tfjs-layers',
      precision: 'float32',
      role: 'model',
    },
    {
      path: 'tfjs/weights.bin',
      bytes: weights,
      format: 'tfjs-weights',
      precision: 'float32',
      role: 'weights',
    },
    { path: 'labels.txt', bytes: `${labels.join('\n')}\n`, format: 'labels', role: 'labels' },
  ];
}

/** Writes a trained model as a model package in `dir` (atomically; the manifest last). */
export async function writeTrainedPackage(dir: string, input: TrainedPackageInput): Promise<ModelManifest> {
  const modelFiles = await trainedModelFiles(input.model, input.dataset.classNames);
  const [height, width, channels] = input.dataset.inputShape;
  return writeModelPackage(dir, {
    manifest: {
      name: input.name,
      labels: [...input.dataset.classNames],
      input: { shape: [height, width, channels], layout: 'NHWC', dtype: 'float32' },
      output: { activation: 'softmax' },
      preprocessing: preprocessingFor(input.dataset),
      metrics: { ...input.metrics },
      lineage: [...input.lineage],
      ...(input.training ? { training: input.training } : {}),
      ...(input.data ? { data: input.data } : {}),
    },
    files: [
      ...modelFiles,
      {
        path: 'summary.json',
        bytes: `${JSON.stringify(input.summary, null, 2)}\n`,
        format: 'json',
        role: 'metadata',
      },
    ],
  });
}

/** A package's manifest and its TF.js model, every file verified against its SHA-256. */
export interface LoadedTrainedPackage {
  readonly manifest: ModelManifest;
  /** SHA-256 of manifest.json: the package's identity in lineage records. */
  readonly manifestSha256: string;
  readonly model: tf.LayersModel;
}

/** Loads the TF.js model of the package in `dir`, verifying every file it reads. */
export async function loadTrainedPackage(dir: string): Promise<LoadedTrainedPackage> {
  const pkg = await readModelPackageDir(dir, { verify: true });
  const entry = findModelFile(pkg.manifest, 'tfjs-layers');
  const text = new TextDecoder().decode(await pkg.readFile(entry.path));
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text) as tf.io.ModelJSON;
  } catch (error) {
    throw new EdgemlError(
      'MODEL_INVALID',
      `${dir}/${entry.path}: not valid JSON (${(error as Error).message})`,
      {
        path: entry.path,
      },
    );
  }
  const base = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/') + 1) : '';
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const shard of group.paths) shards.push(await pkg.readFile(`${base}${shard}`));
  }
  const model = await deserializeLayersModel(json, shards, `${dir}/${entry.path}`);
  return { manifest: pkg.manifest, manifestSha256: pkg.manifestSha256, model };
}
