import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataNotFoundError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayersModelFromDir, saveLayersModelToDir } from './model-io.js';
import { toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';

let root = '';
let model: tf.LayersModel;
let x: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'edgeml-io-'));
  model = toyModel({ batchNorm: true, dropout: 0.1 });
  // One epoch so that BatchNorm's moving statistics are not their initial values.
  await train(model, toyDataset(), { epochs: 1, batchSize: 16 });
  const batch = await toyDataset().split('test').batches({ batchSize: 16 })[Symbol.asyncIterator]().next();
  const { x: pixels, shape } = batch.value!;
  x = tf.tensor4d(pixels, [shape[0], shape[1], shape[2], shape[3]]);
}, 60_000);

afterAll(async () => {
  x.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('saveLayersModelToDir / loadLayersModelFromDir', { timeout: 60_000 }, () => {
  it('round-trips to identical predictions', async () => {
    const dir = join(root, 'm');
    const files = await saveLayersModelToDir(model, dir);
    expect(files.weightBytes).toBeGreaterThan(0);
    const json = JSON.parse(await readFile(files.modelJson, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const loaded = await loadLayersModelFromDir(dir);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(loaded.getLayer('logits')).toBeDefined();
  });

  it('reads weights split over several shards', async () => {
    const dir = join(root, 'm');
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const bytes = await readFile(join(dir, 'weights.bin'));
    const half = Math.floor(bytes.length / 2);
    await writeFile(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, half));
    await writeFile(join(dir, 'group1-shard2of2.bin'), bytes.subarray(half));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(join(dir, 'sharded.json'), JSON.stringify(json));
    const loaded = await loadLayersModelFromDir(join(dir, 'sharded.json'));
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
  });

  it('says which file is missing', async () => {
    await expect(loadLayersModelFromDir(join(root, 'nothing'))).rejects.toBeInstanceOf(DataNotFoundError);
  });
});
