/**
 * Test fixture of the quantisation suites: a zoo model with seeded random weights (BatchNorm
 * statistics perturbed, logits rescaled; the conformance suites' recipe), prepared for export (BN
 * folded, ReLU fused), with real Fashion-MNIST calibration (train split) and check (test split)
 * images. Test code only; not exported.
 */

import { buildModel, loadDataset, sampleBatch } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
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
