import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import { ZOO_MODEL_NAMES } from './catalog.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('zoo models in the TF.js layers format', () => {
  // Every model, with SE where supported: all layer classes must serialise without custom code.
  for (const name of ZOO_MODEL_NAMES) {
    it(`${name} saves and loads back with identical outputs`, async () => {
      const se = name === 'resnet8' || name === 'resnet20' || name === 'mobilenetv2-tiny';
      const model = buildModel(name, { inputShape: [16, 16, 3], numClasses: 5, seed: 9, se });
      // Move the weights off their (seeded, hence reproducible) initial values, so equal outputs
      // prove that the weights were loaded rather than re-initialised from the saved seeds.
      const shifted = model.getWeights().map((w, i) => w.add(0.01 * ((i % 3) + 1)));
      model.setWeights(shifted);
      tf.dispose(shifted);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      expect(artifacts?.format ?? 'layers-model').toBe('layers-model');
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 5);
      const a = model.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      model.dispose();
      loaded.dispose();
    });
  }
});
