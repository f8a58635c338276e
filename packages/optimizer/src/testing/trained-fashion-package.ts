/**
 * Test fixture: cnn-tiny (seeded) trained briefly on real Fashion-MNIST with the wasm backend and
 * written as a trained model package (its data set recorded, summary.json, an exported float
 * `model.onnx`), for the suites whose promises only hold on a trained model: int8 agreeing with
 * float, the accuracy-aware fallback. About 30 s of training on two busy cores.
 * Test code only; not exported.
 */

import { addFilesToPackage } from '@edgeml/core/node';
import {
  buildModel,
  type Dataset,
  deserializeLayersModel,
  evaluate,
  loadDataset,
  selectBackend,
  serializeLayersModel,
  train,
  writeTrainedPackage,
} from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx } from '../export/onnx/export-onnx.js';

/** The recipe: cnn-tiny, seed 3, 3 epochs (cosine from lr 0.005) on 2,048 training images: ~71%. */
export const TRAINED_FASHION_RECIPE = {
  model: 'cnn-tiny',
  seed: 3,
  train: {
    epochs: 3,
    batchSize: 32,
    limit: 2048,
    optimizer: { lr: 0.005 },
    schedule: { name: 'cosine' },
    seed: 3,
  },
} as const;

/** A trained model and its data set. */
export interface TrainedFashionModel {
  readonly model: tf.LayersModel;
  readonly dataset: Dataset;
  /** Test accuracy on the first 1,000 images of a seeded shuffle of the test split. */
  readonly testAccuracy: number;
}

/** Trains the recipe on the wasm backend, then returns to the backend that was active. */
export async function trainFashionTiny(): Promise<TrainedFashionModel> {
  const previous = tf.getBackend();
  await selectBackend('wasm', { threads: 1 });
  try {
    const dataset = await loadDataset({ name: 'fashion-mnist' });
    const model = buildModel(TRAINED_FASHION_RECIPE.model, {
      inputShape: dataset.info.inputShape,
      numClasses: dataset.info.classNames.length,
      seed: TRAINED_FASHION_RECIPE.seed,
    });
    await train(model, dataset, TRAINED_FASHION_RECIPE.train);
    const { accuracy } = await evaluate(model, dataset.split('test'), { limit: 1000 });
    return { model, dataset, testAccuracy: accuracy };
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}

/** A copy of `model` (same weights, its own variables). */
export async function copyModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const { modelJson, weights } = await serializeLayersModel(model, 'weights.bin');
  return deserializeLayersModel(modelJson, [weights]);
}

/** Writes `model` as a trained Fashion-MNIST package named `name` in `dir`, with `model.onnx`. */
export async function writeFashionPackage(
  dir: string,
  name: string,
  { model, dataset, testAccuracy }: TrainedFashionModel,
): Promise<void> {
  await writeTrainedPackage(dir, {
    name,
    model,
    dataset: dataset.info,
    metrics: { test_accuracy: testAccuracy },
    lineage: [],
    summary: { model: TRAINED_FASHION_RECIPE.model },
    training: { dataset: 'fashion-mnist', backend: 'wasm', epochs: TRAINED_FASHION_RECIPE.train.epochs },
  });
  await addFilesToPackage(dir, [
    {
      path: 'model.onnx',
      bytes: exportOnnx(model).bytes,
      format: 'onnx',
      precision: 'float32',
      role: 'model',
    },
  ]);
}
