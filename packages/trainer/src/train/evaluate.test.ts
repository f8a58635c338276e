import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { toySplit } from './testing/toy-dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluate', () => {
  it('measures loss, accuracy, per-class accuracy and confusions', async () => {
    // A model that ignores its input and always scores [3, 1, 0]: it predicts class 0.
    const input = tf.input({ shape: [8, 8, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const logits = tf.layers
      .dense({ units: 3, name: 'logits', kernelInitializer: 'zeros', biasInitializer: 'zeros' })
      .apply(flat) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.softmax({ name: 'probs' }).apply(logits) as tf.SymbolicTensor,
    });
    model.getLayer('logits').setWeights([tf.zeros([64, 3]), tf.tensor1d([3, 1, 0])]);
    const split = toySplit('test', 10, 5, [0, 1, 1]); // labels 0,1,1,0,1,1,0,1,1,0
    const result = await evaluate(model, split, { batchSize: 4 });
    const lse = Math.log(Math.exp(3) + Math.exp(1) + 1);
    const expectedLoss = (4 * (lse - 3) + 6 * (lse - 1)) / 10;
    expect(result.count).toBe(10);
    expect(result.loss).toBeCloseTo(expectedLoss, 5);
    expect(result.accuracy).toBeCloseTo(0.4, 10);
    expect(result.perClassAccuracy).toEqual([1, 0, null]);
    expect(result.confusionMatrix).toEqual([
      [4, 0, 0],
      [6, 0, 0],
      [0, 0, 0],
    ]);
    const limited = await evaluate(model, split, { limit: 3 });
    expect(limited.count).toBe(3);
  });
});
