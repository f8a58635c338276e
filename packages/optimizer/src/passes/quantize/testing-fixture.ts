/**
 * Test fixture of the quantisation suites: a zoo model with seeded random weights (BatchNorm
 * statistics perturbed, logits rescaled; the conformance suites' recipe), prepared for export (BN
 * folded, ReLU fused), with real Fashion-MNIST calibration (train split) and check (test split)
 * images; and the same model as a trained model package on disk. Test code only; not exported.
 */

import { join } from 'node:path';
import { addFilesToPackage } from '@edgeml/core/node';
import { buildModel, loadDataset, sampleBatch, writeTrainedPackage } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx } from '../../export/onnx/export-onnx.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import { prepareGraphForExport } from '../../export/prepare-graph.js';
import type { IrGraph } from '../../ir/types.js';
import { calibrateLogits, randomizeWeights } from '../../testing/stand-in-models.js';

/** A prepared float graph with its images. */
export interface QuantFixture {
  readonly model: tf.LayersModel;
  readonly graph: IrGraph;
  readonly calibration: ParityImages;
  readonly check: ParityImages;
  readonly checkLabels: Int32Array;
}

/** Builds `zooName` (seeded), prepares its IR and samples `calibration` train and `check` test images. */
export async function quantFixture(
  zooName: string,
  calibration = 128,
  check = 64,
  seed = 1,
): Promise<QuantFixture> {
  await tf.setBackend('cpu');
  const model = buildModel(zooName, { inputShape: [28, 28, 1], numClasses: 10, seed });
  randomizeWeights(model, seed);
  calibrateLogits(model, 3, seed);
  const { graph } = prepareGraphForExport(model);
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  const calib = await sampleBatch(dataset.split('train'), calibration, 0);
  const test = await sampleBatch(dataset.split('test'), check, 0);
  return {
    model,
    graph,
    calibration: { x: calib.x, shape: calib.shape },
    check: { x: test.x, shape: test.shape },
    checkLabels: test.y,
  };
}

/** The package fixture's directories. */
export interface QuantPackageFixture {
  /** cnn-tiny (seeded), its data set recorded, with summary.json and an exported float `model.onnx`. */
  readonly source: string;
  /** The same model with no data set recorded and no summary. */
  readonly noData: string;
}

/** Writes the package fixture (cnn-tiny, 28x28x1, 10 classes, seeded weights) under `dir`. */
export async function writeQuantPackages(dir: string): Promise<QuantPackageFixture> {
  const source = join(dir, 'trained');
  const noData = join(dir, 'no-data');
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  const model = buildModel('cnn-tiny', { inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
  randomizeWeights(model, 3);
  calibrateLogits(model, 3, 3);
  const common = { name: 'tiny', model, dataset: dataset.info, metrics: { test_accuracy: 0.1 }, lineage: [] };
  await writeTrainedPackage(source, {
    ...common,
    summary: { model: 'cnn-tiny' },
    training: { dataset: 'fashion-mnist', backend: 'cpu', epochs: 0 },
  });
  await addFilesToPackage(source, [
    {
      path: 'model.onnx',
      bytes: exportOnnx(model).bytes,
      format: 'onnx',
      precision: 'float32',
      role: 'model',
    },
  ]);
  await writeTrainedPackage(noData, { ...common, summary: {} });
  return { source, noData };
}
