/**
 * The images every emitter conformance suite compares runtimes on: real Fashion-MNIST test images,
 * the same ones in every suite (shuffled with seed 0). Test fixtures only.
 */

import { loadDataset } from '@edgeml/trainer';
import type { ParityImages } from '../export/onnx/parity.js';

/** The first `count` Fashion-MNIST test images after a seed-0 shuffle. */
export async function conformanceImages(count: number): Promise<ParityImages> {
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  for await (const batch of dataset
    .split('test')
    .batches({ batchSize: count, shuffle: true, seed: 0, limit: count })) {
    return { x: batch.x, shape: batch.shape };
  }
  throw new Error('fashion-mnist: the test split has no images');
}
