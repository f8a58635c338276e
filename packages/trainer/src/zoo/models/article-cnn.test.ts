import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../build-model.js';
import { describeModel } from '../describe-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('article-cnn', () => {
  it("is the seed article's section 3.1 network: two conv+ReLU+pool stages, 4096 -> 512 -> 10", () => {
    const model = buildModel('article-cnn', { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
    const rows = describeModel(model).layers.map((l) => [l.name, l.className, l.outputShape, l.params]);
    expect(rows).toEqual([
      ['input', 'InputLayer', [32, 32, 3], 0],
      ['conv1', 'Conv2D', [32, 32, 32], 3 * 3 * 3 * 32 + 32],
      ['conv1_relu', 'ReLU', [32, 32, 32], 0],
      ['pool1', 'MaxPooling2D', [16, 16, 32], 0],
      ['conv2', 'Conv2D', [16, 16, 64], 3 * 3 * 32 * 64 + 64],
      ['conv2_relu', 'ReLU', [16, 16, 64], 0],
      ['pool2', 'MaxPooling2D', [8, 8, 64], 0],
      ['flatten', 'Flatten', [4096], 0],
      ['fc1', 'Dense', [512], 4096 * 512 + 512],
      ['fc1_relu', 'ReLU', [512], 0],
      ['logits', 'Dense', [10], 512 * 10 + 10],
      ['probs', 'Activation', [10], 0],
    ]);
    // The article's PyTorch model has the same 2,122,186 parameters.
    expect(model.countParams()).toBe(2_122_186);
    model.dispose();
  });

  it('has no batch normalisation and no dropout (cnn-small adds both)', () => {
    const article = buildModel('article-cnn', { inputShape: [32, 32, 3], numClasses: 10 });
    const small = buildModel('cnn-small', { inputShape: [32, 32, 3], numClasses: 10 });
    const classes = (m: tf.LayersModel) => new Set(m.layers.map((l) => l.getClassName()));
    expect(classes(article).has('BatchNormalization')).toBe(false);
    expect(classes(article).has('Dropout')).toBe(false);
    expect(classes(small).has('BatchNormalization')).toBe(true);
    expect(classes(small).has('Dropout')).toBe(true);
    article.dispose();
    small.dispose();
  });

  it('refuses the dropout option it does not support', () => {
    expect(() =>
      buildModel('article-cnn', { inputShape: [32, 32, 3], numClasses: 10, dropout: 0.5 }),
    ).toThrow(/dropout/);
  });
});
