/**
 * A small trained Fashion-MNIST classifier for the example apps' tests: the zoo's cnn-tiny, seeded,
 * trained a few epochs on 100 images per class with the wasm backend (the trainer's own
 * `trainPackage` flow) and exported to ONNX; plus real test images, the same number of each class,
 * as PNG bytes. A few seconds on two busy cores; it is trained so that its top-1 varies across
 * classes (a page stuck on one answer cannot agree with onnxruntime-node by chance).
 */
import { join } from 'node:path';
import { encodePng } from '@edgeml/core';
import { exportModelPackage } from '@edgeml/optimizer';
import {
  buildModel,
  datasetReference,
  type LoadDatasetOptions,
  loadDataset,
  selectBackend,
  trainPackage,
  validateTrainConfig,
} from '@edgeml/trainer';

/** What trainFashionPackage made. */
export interface FashionTrainedPackage {
  /** The exported package (manifest.json + model.onnx). */
  readonly dir: string;
  /** Test accuracy trainPackage measured on the first 500 test images. */
  readonly testAccuracy: number;
  /** Wall seconds of loading, training and exporting. */
  readonly seconds: number;
}

/** Trains cnn-tiny on 1,000 Fashion-MNIST images (3 epochs, seed 7) and exports it to `<root>/fashion-onnx`. */
export async function trainFashionPackage(root: string): Promise<FashionTrainedPackage> {
  const started = performance.now();
  const backend = await selectBackend('wasm');
  const options: LoadDatasetOptions = { name: 'fashion-mnist', perClass: 100, seed: 7 };
  const dataset = await loadDataset(options);
  const model = buildModel('cnn-tiny', {
    inputShape: dataset.info.inputShape,
    numClasses: dataset.info.classNames.length,
    seed: 7,
  });
  const trained = join(root, 'fashion-trained');
  const result = await trainPackage({
    model,
    modelName: 'cnn-tiny',
    dataset,
    data: datasetReference(options, dataset.info),
    config: validateTrainConfig({ epochs: 3, batchSize: 32, optimizer: { lr: 0.003 }, seed: 7 }),
    backend: { name: backend.name, detail: backend.detail },
    outDir: trained,
    name: 'fashion-cnn-tiny',
    resume: false,
    toolVersion: 'test',
    evalLimit: 500,
  });
  result.model.dispose();
  const dir = join(root, 'fashion-onnx');
  await exportModelPackage(trained, dir, { formats: ['onnx'], toolVersion: 'test' });
  return { dir, testAccuracy: result.test.accuracy, seconds: (performance.now() - started) / 1000 };
}

/** Real Fashion-MNIST test images, the first `perClass` of each class in class order, PNG-encoded. */
export async function fashionPngsPerClass(
  perClass: number,
): Promise<{ readonly pngs: readonly Uint8Array[]; readonly labels: readonly number[] }> {
  const split = (await loadDataset({ name: 'fashion-mnist' })).split('test');
  const indices: number[] = [];
  for (let label = 0; label < 10; label++) {
    let found = 0;
    for (let i = 0; i < split.labels.length && found < perClass; i++) {
      if (split.labels[i] === label) {
        indices.push(i);
        found++;
      }
    }
  }
  const pixels = await split.readPixels(indices);
  const pngs = indices.map((_, i) =>
    encodePng({ width: 28, height: 28, channels: 1, data: pixels.slice(i * 784, (i + 1) * 784) }),
  );
  return { pngs, labels: indices.map((i) => split.labels[i] ?? -1) };
}
