import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logitsModel } from '../model/logits.js';
import { buildModel } from './build-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The pure-JS cpu backend trains at a few samples per second (its conv backward kernels are slow),
// so this runs 3 SGD steps on 8 random 12x12x1 images, for one model of each family; resnet20
// shares resnet8's blocks and is left out. Learning rates are per model, large enough to move.
const CASES = [
  { name: 'lenet5', lr: 0.05, options: {} },
  { name: 'cnn-tiny', lr: 0.1, options: {} },
  { name: 'cnn-small', lr: 0.01, options: { dropout: 0 } },
  { name: 'reference-cnn', lr: 0.01, options: {} },
  { name: 'resnet8', lr: 0.05, options: { se: true } },
  { name: 'mobilenetv2-tiny', lr: 0.05, options: { dropout: 0 } },
] as const;

describe('zoo models train', () => {
  const n = 8;
  const classes = 4;
  for (const { name, lr, options } of CASES) {
    it(`${name}: a few SGD steps on the logits lower the loss`, () => {
      const model = buildModel(name, { inputShape: [12, 12, 1], numClasses: classes, seed: 3, ...options });
      const logits = logitsModel(model);
      const x = tf.randomNormal([n, 12, 12, 1], 0, 1, 'float32', 11);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), classes);
      const loss = () =>
        tf.losses.softmaxCrossEntropy(labels, logits.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
      const before = tf.tidy(() => loss().dataSync()[0]!);
      const optimizer = tf.train.sgd(lr);
      for (let step = 0; step < 3; step++) optimizer.minimize(loss, true)?.dispose();
      const after = tf.tidy(() => loss().dataSync()[0]!);
      expect(after).toBeLessThan(before);
      tf.dispose([x, labels]);
      optimizer.dispose();
      model.dispose();
    });
  }
});
