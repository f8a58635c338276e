/**
 * A colour model package for the serving suites: the zoo's cnn-tiny (seeded weights, untrained) on
 * 32x32x3 input whose manifest says `preprocessing.resize.fit: 'center-crop'`, with the per-channel
 * mean/std of a small generated image folder (test/support/datasets.ts). Exported to ONNX (float)
 * and quantised to int8 (static PTQ on that folder, the package's own data reference). Seconds.
 */
import { join } from 'node:path';
import { exportModelPackage, quantizeModelPackage } from '@edgeml/optimizer';
import {
  buildModel,
  datasetReference,
  type LoadDatasetOptions,
  loadDataset,
  selectBackend,
  writeTrainedPackage,
} from '@edgeml/trainer';
import { writeImageFolder } from './datasets.js';

/** Class names of the colour fixture: five, so a top 5 is the whole probability vector. */
export const RGB_CLASSES = ['amber', 'blue', 'coral', 'dune', 'ember'] as const;

/** The colour fixture's two packages. */
export interface RgbFixturePackages {
  /** float32 `model.onnx` (and the TF.js model it came from). */
  readonly floatDir: string;
  /** `model.int8.onnx` (QDQ), quantised from the same model. */
  readonly int8Dir: string;
}

/** Writes `dir`/rgb-data (image folder), `dir`/rgb-trained, `dir`/rgb-float and `dir`/rgb-int8. */
export async function writeRgbFixturePackages(dir: string): Promise<RgbFixturePackages> {
  await selectBackend('cpu');
  const data = join(dir, 'rgb-data');
  writeImageFolder(data, RGB_CLASSES, 8, 11);
  const options: LoadDatasetOptions = {
    name: 'image-folder',
    dir: data,
    imageSize: 32,
    channels: 3,
    fit: 'center-crop',
  };
  const dataset = await loadDataset(options);
  const model = buildModel('cnn-tiny', { inputShape: [32, 32, 3], numClasses: RGB_CLASSES.length, seed: 5 });
  const trained = join(dir, 'rgb-trained');
  await writeTrainedPackage(trained, {
    name: 'colour-tiny',
    model,
    dataset: dataset.info,
    metrics: {},
    lineage: [],
    data: datasetReference(options, dataset.info),
    summary: { model: 'cnn-tiny' },
  });
  model.dispose();
  const floatDir = join(dir, 'rgb-float');
  await exportModelPackage(trained, floatDir, { formats: ['onnx'], toolVersion: 'test' });
  const int8Dir = join(dir, 'rgb-int8');
  await quantizeModelPackage(trained, int8Dir, {
    calibrationImages: 24,
    evalImages: 0,
    latencyRuns: 0,
    toolVersion: 'test',
  });
  return { floatDir, int8Dir };
}
