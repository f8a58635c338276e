/**
 * Saving and loading TF.js layers models as a directory (model.json + weights.bin) with node:fs,
 * so no tfjs-node is needed (`tf.loadLayersModel('file://...')` requires it). Loading accepts any
 * number of weight shards, as `tensorflowjs_converter` writes them; saving writes one shard,
 * weights first and model.json last, each atomically, so a reader never sees a model.json whose
 * weights are missing.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DataNotFoundError, EdgemlError } from '@edgeml/core';
import { writeFileAtomic, writeJsonAtomic } from '@edgeml/core/node';
import * as tf from '@tensorflow/tfjs';

/** Files written by saveLayersModelToDir. */
export interface SavedModelFiles {
  /** Path of model.json. */
  readonly modelJson: string;
  /** Path of weights.bin. */
  readonly weights: string;
  /** Bytes of weight data. */
  readonly weightBytes: number;
}

/** A TF.js layers model in memory: the model.json document and its single weight shard. */
export interface SerializedLayersModel {
  /** model.json content, with weightsManifest pointing at `weightsFileName`. */
  readonly modelJson: tf.io.ModelJSON;
  /** The weight data (one shard). */
  readonly weights: Uint8Array;
}

/** Serialises `model` to a model.json document and one weight shard named `weightsFileName`. */
export async function serializeLayersModel(
  model: tf.LayersModel,
  weightsFileName = 'weights.bin',
): Promise<SerializedLayersModel> {
  let result: SerializedLayersModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      result = {
        weights: new Uint8Array(data),
        modelJson: {
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
          ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
          weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] }],
        },
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!result) throw new EdgemlError('MODEL_INVALID', 'model.save produced no artifacts');
  return result;
}

/** Builds a LayersModel from a parsed model.json and its weight shards (in weightsManifest order). */
export async function deserializeLayersModel(
  json: tf.io.ModelJSON,
  shards: readonly Uint8Array[],
  source = 'model.json',
): Promise<tf.LayersModel> {
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new EdgemlError(
      'MODEL_INVALID',
      `${source}: not a TF.js layers model (needs modelTopology and weightsManifest)`,
      {
        path: source,
      },
    );
  }
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const buffers = shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: tf.io.CompositeArrayBuffer.join(buffers),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    }),
  );
}

/** Writes `model` as `<dir>/model.json` + `<dir>/weights.bin` (TF.js layers format). */
export async function saveLayersModelToDir(model: tf.LayersModel, dir: string): Promise<SavedModelFiles> {
  const modelJson = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.bin');
  const serialized = await serializeLayersModel(model, 'weights.bin');
  await writeFileAtomic(weightsPath, serialized.weights);
  await writeJsonAtomic(modelJson, serialized.modelJson);
  return { modelJson, weights: weightsPath, weightBytes: serialized.weights.byteLength };
}

/** Loads a TF.js layers model from a directory holding model.json and its weight shards. */
export async function loadLayersModelFromDir(dirOrModelJson: string): Promise<tf.LayersModel> {
  const path = dirOrModelJson.endsWith('.json')
    ? resolve(dirOrModelJson)
    : resolve(dirOrModelJson, 'model.json');
  const base = dirname(path);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataNotFoundError(path, 'model.json');
    throw new EdgemlError('MODEL_INVALID', `${path}: not valid JSON (${(error as Error).message})`, { path });
  }
  if (!Array.isArray(json.weightsManifest)) return deserializeLayersModel(json, [], path);
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) {
      const file = join(base, shard);
      const bytes = await readFile(file).catch(() => {
        throw new DataNotFoundError(file, 'weight shard');
      });
      shards.push(bytes);
    }
  }
  return deserializeLayersModel(json, shards, path);
}
