/**
 * A small real model package for runtime tests: the zoo's cnn-tiny (seeded weights, or trained by
 * the conformance suites' recipe so that its top-1 varies from image to image) exported to ONNX,
 * TFLite and TF.js and compiled by edgeml compile (model.wasm), plus real Fashion-MNIST test images
 * encoded as PNG.
 */

import { compileModelPackage } from '@edgeml/compiler';
import { encodePng } from '@edgeml/core';
import { exportModelPackage } from '@edgeml/optimizer';
import {
  buildModel,
  datasetReference,
  loadDataset,
  selectBackend,
  train,
  writeTrainedPackage,
} from '@edgeml/trainer';
import { TRAINED_FASHION_FIXTURE } from './conformance.js';

/** Fashion-MNIST test images as PNG bytes with their true labels. */
export interface FixtureImages {
  readonly pngs: readonly Uint8Array[];
  readonly labels: readonly number[];
}

/** What writeFixturePackage writes. */
export interface FixturePackageOptions {
  /**
   * Train the model first (TRAINED_FASHION_FIXTURE: 2 epochs on 2,048 images, wasm backend, seeded,
   * ~70% test accuracy), so that its top-1 varies; untrained, most images get the same class.
   * @default false
   */
  readonly trained?: boolean;
}

/** Writes the seeded cnn-tiny package with every export format into `dir`/pkg; returns its path. */
export async function writeFixturePackage(dir: string, options: FixturePackageOptions = {}): Promise<string> {
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  const model = buildModel('cnn-tiny', { inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
  if (options.trained) {
    await selectBackend('wasm');
    await train(model, dataset, TRAINED_FASHION_FIXTURE.train);
  }
  await selectBackend('cpu');
  const trained = `${dir}/trained`;
  await writeTrainedPackage(trained, {
    name: 'fashion-tiny',
    model,
    dataset: dataset.info,
    metrics: {},
    lineage: [],
    data: datasetReference({ name: 'fashion-mnist' }, dataset.info),
    summary: { model: 'cnn-tiny' },
  });
  model.dispose();
  const out = `${dir}/pkg`;
  await exportModelPackage(trained, out, { formats: ['onnx', 'tflite', 'tfjs'], toolVersion: 'test' });
  // The compiled module (runtime 'edgeml-wasm'): model.wasm + model.js.
  await compileModelPackage(out, out);
  return out;
}

/**
 * `count` Fashion-MNIST test images spread evenly over the test split, PNG-encoded. The split is
 * stored class by class (its first 1,000 images are all T-shirts); from 10 images on, every class appears.
 */
export async function fashionTestPngs(count: number): Promise<FixtureImages> {
  const split = (await loadDataset({ name: 'fashion-mnist' })).split('test');
  const stride = Math.floor(split.size / count);
  const indices = Array.from({ length: count }, (_, i) => i * stride);
  const pixels = await split.readPixels(indices);
  const pngs = indices.map((_, i) =>
    encodePng({ width: 28, height: 28, channels: 1, data: pixels.slice(i * 784, (i + 1) * 784) }),
  );
  return { pngs, labels: indices.map((i) => split.labels[i] ?? -1) };
}
