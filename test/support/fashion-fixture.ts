/**
 * A small real model package for runtime tests: the zoo's cnn-tiny (seeded weights) exported to
 * ONNX, TFLite and TF.js and compiled by edgeml compile (model.wasm), plus real Fashion-MNIST test
 * images encoded as PNG.
 */

import { compileModelPackage } from '@edgeml/compiler';
import { encodePng } from '@edgeml/core';
import { exportModelPackage } from '@edgeml/optimizer';
import {
  buildModel,
  datasetReference,
  loadDataset,
  selectBackend,
  writeTrainedPackage,
} from '@edgeml/trainer';

/** Fashion-MNIST test images as PNG bytes with their true labels. */
export interface FixtureImages {
  readonly pngs: readonly Uint8Array[];
  readonly labels: readonly number[];
}

/** Writes the seeded cnn-tiny package with every export format into `dir`/pkg; returns its path. */
export async function writeFixturePackage(dir: string): Promise<string> {
  await selectBackend('cpu');
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  const model = buildModel('cnn-tiny', { inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
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

/** The first `count` Fashion-MNIST test images (every class in turn), PNG-encoded. */
export async function fashionTestPngs(count: number): Promise<FixtureImages> {
  const split = (await loadDataset({ name: 'fashion-mnist' })).split('test');
  const indices = Array.from({ length: count }, (_, i) => i);
  const pixels = await split.readPixels(indices);
  const pngs = indices.map((_, i) =>
    encodePng({ width: 28, height: 28, channels: 1, data: pixels.slice(i * 784, (i + 1) * 784) }),
  );
  return { pngs, labels: indices.map((i) => split.labels[i] ?? -1) };
}
