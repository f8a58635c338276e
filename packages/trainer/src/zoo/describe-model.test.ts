import { UnsupportedError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import { describeModel } from './describe-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('describeModel', () => {
  it('counts lenet5 parameters (28x28x1, 10 classes)', () => {
    // conv1 5*5*1*6 + 6 = 156; 28x28 ('same') -> pool 14 -> conv2 10 -> pool 5
    // conv2 5*5*6*16 + 16 = 2,416; fc1 400*120 + 120 = 48,120; fc2 120*84 + 84 = 10,164;
    // logits 84*10 + 10 = 850. Total 61,706, all trainable.
    const d = describeModel(buildModel('lenet5', { inputShape: [28, 28, 1], numClasses: 10 }));
    expect(d.params).toBe(61_706);
    expect(d.trainableParams).toBe(61_706);
    // MACs: conv1 28*28*6*25*1 = 117,600; conv2 10*10*16*25*6 = 240,000;
    // dense 400*120 + 120*84 + 84*10 = 58,920. Total 416,520.
    expect(d.macs).toBe(416_520);
  });

  it('counts reference-cnn parameters (28x28x1, 10 classes)', () => {
    // conv1 3*3*1*32 (no bias, BN follows) = 288; BN 4*32 = 128 (64 trainable, 64 moving stats);
    // conv2 3*3*32*32 + 32 = 9,248; conv3 3*3*32*64 + 64 = 18,496;
    // 28 -> pool 14 -> pool 7: fc1 7*7*64*128 + 128 = 401,536; logits 128*10 + 10 = 1,290.
    // Total 430,986; trainable 430,922.
    const d = describeModel(buildModel('reference-cnn', { inputShape: [28, 28, 1], numClasses: 10 }));
    expect(d.params).toBe(430_986);
    expect(d.trainableParams).toBe(430_922);
  });

  it('counts resnet8 parameters (32x32x3, 10 classes)', () => {
    // stem conv 3*3*3*16 = 432, BN 64
    // stage1 (16->16, identity): 2 * (3*3*16*16 = 2,304 + BN 64) = 4,736
    // stage2 (16->32, stride 2): 3*3*16*32 = 4,608 + BN 128; 3*3*32*32 = 9,216 + BN 128;
    //   projection 1*1*16*32 = 512 + BN 128 -> 14,720
    // stage3 (32->64, stride 2): 18,432 + 256; 36,864 + 256; projection 2,048 + 256 -> 58,112
    // logits 64*10 + 10 = 650. Total 78,714. BN moving stats: 2*(16*3 + 32*3 + 64*3) = 672.
    const d = describeModel(buildModel('resnet8', { inputShape: [32, 32, 3], numClasses: 10 }));
    expect(d.params).toBe(78_714);
    expect(d.trainableParams).toBe(78_714 - 672);
  });

  it('computes MACs of conv, depthwise and dense layers from their shapes', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'valid', name: 'c' }).apply(input);
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', name: 'dw' }).apply(x);
    x = tf.layers.batchNormalization({ name: 'bn' }).apply(x);
    x = tf.layers.flatten().apply(x);
    const out = tf.layers.dense({ units: 5, name: 'd' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const d = describeModel(model);
    const byName = Object.fromEntries(d.layers.map((l) => [l.name, l]));
    // conv: 6*6 outputs * 4 filters * 3*3 kernel * 3 input channels = 3,888
    expect(byName['c']?.macs).toBe(6 * 6 * 4 * 3 * 3 * 3);
    expect(byName['c']?.outputShape).toEqual([6, 6, 4]);
    // depthwise, stride 2 'same': 3x3 outputs * 4 channels * 3*3 kernel = 324
    expect(byName['dw']?.macs).toBe(3 * 3 * 4 * 9);
    expect(byName['bn']?.macs).toBe(0);
    expect(byName['bn']?.params).toBe(16);
    // dense: 36 inputs * 5 outputs = 180
    expect(byName['d']?.macs).toBe(36 * 5);
    expect(byName['d']?.params).toBe(36 * 5 + 5);
    expect(d.macs).toBe(3888 + 324 + 180);
    expect(d.params).toBe(model.countParams());
    model.dispose();
  });

  it('refuses to guess the MACs of an unknown weighted layer', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const out = tf.layers
      .separableConv2d({ filters: 2, kernelSize: 3, name: 'sep' })
      .apply(input) as tf.SymbolicTensor;
    expect(() => describeModel(tf.model({ inputs: input, outputs: out }))).toThrow(UnsupportedError);
  });
});
