/**
 * The images an export's parity check runs on: the first `count` test images (a seed-0 sample) of
 * the model's data set, checked against the model (classes, input shape) and normalised as the
 * model expects. One function for `edgeml export` and the pipeline's export stage.
 */
import type { ModelManifest } from '@edgeml/core';
import { type Dataset, datasetForModel, sampleBatch } from '@edgeml/trainer';
import type { ParityImages } from '../onnx/parity.js';

/** `count` normalised NHWC test images of `dataset` for the model of `manifest`. */
export async function parityImagesFor(
  manifest: ModelManifest,
  dataset: Dataset,
  count: number,
): Promise<ParityImages> {
  const split = datasetForModel(dataset, { name: dataset.info.name }, manifest).split('test');
  const batch = await sampleBatch(split, count, 0);
  return { x: batch.x, shape: batch.shape };
}
