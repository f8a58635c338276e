import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logitsModel } from '../model/logits.js';
import { LOGITS_LAYER_NAME, PROBS_LAYER_NAME } from './blocks/classifier-head.js';
import { buildModel, zooModelTraits } from './build-model.js';
import { ZOO_DOCS, ZOO_MODEL_NAMES } from './catalog.js';
import { describeModel } from './describe-model.js';
import { makeDivisible } from './models/mobilenetv2-tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES = [
  [28, 28, 1],
  [32, 32, 3],
] as const;

describe('buildModel', () => {
  for (const name of ZOO_MODEL_NAMES) {
    for (const inputShape of SHAPES) {
      it(`${name} on ${inputShape.join('x')} outputs probabilities [n, 10] and exposes its logits`, () => {
        const model = buildModel(name, { inputShape, numClasses: 10, seed: 1 });
        expect(model.inputs[0]?.shape).toEqual([null, ...inputShape]);
        expect(model.outputs[0]?.shape).toEqual([null, 10]);
        expect(model.outputLayers.map((l) => l.name)).toEqual([PROBS_LAYER_NAME]);
        const logitsLayer = model.getLayer(LOGITS_LAYER_NAME);
        expect(logitsLayer.getClassName()).toBe('Dense');
        expect(model.getLayer(PROBS_LAYER_NAME).getClassName()).toBe('Activation');
        const classNames = new Set(model.layers.map((l) => l.getClassName()));
        expect(classNames.has('Lambda')).toBe(false);

        const x = tf.randomUniform([2, ...inputShape], 0, 1, 'float32', 7);
        const probs = model.predict(x) as tf.Tensor;
        const logits = logitsModel(model).predict(x) as tf.Tensor;
        expect(probs.shape).toEqual([2, 10]);
        expect(logits.shape).toEqual([2, 10]);
        for (const sum of probs.sum(1).arraySync() as number[]) expect(sum).toBeCloseTo(1, 5);
        const fromLogits = tf.softmax(logits).dataSync();
        const probValues = probs.dataSync();
        for (let i = 0; i < probValues.length; i++) expect(probValues[i]).toBeCloseTo(fromLogits[i]!, 5);
        tf.dispose([x, probs, logits]);
        model.dispose();
      });
    }
  }

  it('builds every model at its smallest input side', () => {
    for (const name of ZOO_MODEL_NAMES) {
      const side = zooModelTraits(name).minInputSize;
      const model = buildModel(name, { inputShape: [side, side, 1], numClasses: 3 });
      expect(model.outputs[0]?.shape).toEqual([null, 3]);
      model.dispose();
    }
  });

  it('documents every model in ZOO_DOCS', () => {
    expect(Object.keys(ZOO_DOCS).sort()).toEqual([...ZOO_MODEL_NAMES].sort());
  });

  it('gives identical initial weights for the same seed and different ones for another seed', () => {
    for (const name of ['resnet8', 'mobilenetv2-tiny', 'cnn-small'] as const) {
      const options = { inputShape: [16, 16, 1] as const, numClasses: 10 };
      const a = buildModel(name, { ...options, seed: 42 });
      const b = buildModel(name, { ...options, seed: 42 });
      const c = buildModel(name, { ...options, seed: 43 });
      const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
      const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
      const wc = c.getWeights().map((w) => Array.from(w.dataSync()));
      expect(wb).toEqual(wa);
      expect(wc).not.toEqual(wa);
      [a, b, c].forEach((m) => {
        m.dispose();
      });
    }
  });

  it('gives each layer its own random stream', () => {
    const model = buildModel('resnet8', { inputShape: [16, 16, 1], numClasses: 10 });
    // Both convs of the first block have 3x3x16x16 kernels drawn from the same distribution.
    const [k1] = model.getLayer('stage1_block1_conv1').getWeights();
    const [k2] = model.getLayer('stage1_block1_conv2').getWeights();
    expect(k1?.shape).toEqual(k2?.shape);
    expect(Array.from(k1!.dataSync())).not.toEqual(Array.from(k2!.dataSync()));
    model.dispose();
  });

  it('adds squeeze-and-excitation blocks with the requested ratio', () => {
    const plain = describeModel(buildModel('resnet8', { inputShape: [32, 32, 3], numClasses: 10 }));
    const se = buildModel('resnet8', { inputShape: [32, 32, 3], numClasses: 10, se: true, seRatio: 8 });
    const seLayers = se.layers.filter((l) => l.name.startsWith('stage3_block1_se'));
    expect(seLayers.map((l) => l.getClassName())).toEqual([
      'GlobalAveragePooling2D',
      'Dense',
      'ReLU',
      'Dense',
      'Activation',
      'Reshape',
      'Multiply',
    ]);
    // SE on 64 channels with r = 8: dense 64->8 (+8 bias) and 8->64 (+64 bias).
    expect(se.getLayer('stage3_block1_se_reduce').countParams()).toBe(64 * 8 + 8);
    expect(se.getLayer('stage3_block1_se_expand').countParams()).toBe(8 * 64 + 64);
    // Per stage C = 16, 32, 64 with r = 8: 2 * C * C/8 + C/8 + C.
    const seParams = [16, 32, 64].reduce((s, c) => s + 2 * c * (c / 8) + c / 8 + c, 0);
    expect(describeModel(se).params - plain.params).toBe(seParams);
    const mobile = buildModel('mobilenetv2-tiny', { inputShape: [28, 28, 1], numClasses: 10, se: true });
    expect(mobile.layers.filter((l) => l.getClassName() === 'Multiply')).toHaveLength(7);
    se.dispose();
    mobile.dispose();
  });

  it('scales mobilenetv2-tiny channels with widthMultiplier, rounded to multiples of 8', () => {
    expect([
      makeDivisible(16 * 0.5),
      makeDivisible(24 * 0.75),
      makeDivisible(32 * 1.4),
      makeDivisible(8 * 0.35),
    ]).toEqual([8, 24, 48, 8]);
    const half = buildModel('mobilenetv2-tiny', {
      inputShape: [32, 32, 3],
      numClasses: 10,
      widthMultiplier: 0.5,
    });
    const full = buildModel('mobilenetv2-tiny', { inputShape: [32, 32, 3], numClasses: 10 });
    expect(half.getLayer('block7_project').outputShape).toEqual([null, 4, 4, 16]);
    expect(full.getLayer('block7_project').outputShape).toEqual([null, 4, 4, 32]);
    expect(full.getLayer('block7_add').getClassName()).toBe('Add');
    expect(half.countParams()).toBeLessThan(full.countParams());
    half.dispose();
    full.dispose();
  });

  it('uses the dropout option and omits the layer at rate 0', () => {
    const small = buildModel('cnn-small', { inputShape: [8, 8, 1], numClasses: 10 });
    expect(small.getLayer('dropout').getConfig()['rate']).toBe(0.5);
    const none = buildModel('cnn-small', { inputShape: [8, 8, 1], numClasses: 10, dropout: 0 });
    expect(none.layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
    small.dispose();
    none.dispose();
  });
});
