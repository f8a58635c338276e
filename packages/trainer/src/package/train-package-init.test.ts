import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetReference } from '../data/dataset-reference.js';
import { toyDataset } from '../train/testing/toy-dataset.js';
import { validateTrainConfig } from '../train/validate.js';
import { buildModel } from '../zoo/build-model.js';
import { trainPackage } from './train-package.js';
import { loadTrainedPackage } from './trained-package.js';

let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'edgeml-init-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('trainPackage records the initialisation scheme', { timeout: 60_000 }, () => {
  for (const init of ['pytorch', undefined] as const) {
    it(`init ${String(init)}: in the lineage step's config and summary.json${init === undefined ? ' (absent when not given)' : ''}`, async () => {
      const data = toyDataset();
      const outDir = join(root, String(init));
      await trainPackage({
        model: buildModel('cnn-tiny', {
          inputShape: data.info.inputShape,
          numClasses: 3,
          seed: 1,
          ...(init && { init }),
        }),
        modelName: 'cnn-tiny',
        ...(init && { init }),
        dataset: data,
        data: datasetReference({ name: 'toy' }, data.info),
        config: validateTrainConfig({ epochs: 1, batchSize: 16 }),
        backend: { name: tf.getBackend() },
        outDir,
        name: 'init',
        toolVersion: 'test',
      });
      const { manifest } = await loadTrainedPackage(outDir);
      const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(manifest.lineage[0]!.config['init']).toBe(init);
      expect(manifest.lineage[0]!.config['model']).toBe('cnn-tiny');
      expect(summary['init']).toBe(init);
    });
  }
});
