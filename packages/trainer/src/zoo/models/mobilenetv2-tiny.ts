/**
 * mobilenetv2-tiny: MobileNetV2 (Sandler et al. 2018) cut down for 28x28 and 32x32 inputs. The stem
 * has stride 1 (not 2) so small images keep their resolution, and there are 7 inverted residual
 * blocks instead of 17:
 *
 *   stem conv 3x3, 16, stride 1, BN, ReLU6
 *   t=1 c=8  n=1 s=1      (28 -> 28)
 *   t=6 c=16 n=2 s=2      (-> 14)
 *   t=6 c=24 n=2 s=2      (-> 7)
 *   t=6 c=32 n=2 s=2      (-> 4)
 *   conv 1x1, 128, BN, ReLU6; global average pooling; dropout (default 0.2); logits
 *
 * `widthMultiplier` scales every channel count, rounded to a multiple of 8 as in the paper
 * (`makeDivisible`); the last 1x1 conv is scaled only when the multiplier exceeds 1, as in the
 * paper's reference code.
 */

import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct } from '../blocks/conv-bn-act.js';
import { invertedResidual } from '../blocks/inverted-residual.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** Rounds `value` to the nearest multiple of `divisor` (at least `divisor`), never losing more than 10%. */
export function makeDivisible(value: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** Inverted residual settings: expansion t, channels c, repeats n, first stride s. */
const BLOCKS: readonly { t: number; c: number; n: number; s: number }[] = [
  { t: 1, c: 8, n: 1, s: 1 },
  { t: 6, c: 16, n: 2, s: 2 },
  { t: 6, c: 24, n: 2, s: 2 },
  { t: 6, c: 32, n: 2, s: 2 },
];
const STEM_CHANNELS = 16;
const LAST_CHANNELS = 128;

/** mobilenetv2-tiny: stride-1 stem, 7 inverted residual blocks, 1x1 conv 128, GAP, logits. */
export const mobilenetV2TinyDefinition: ZooModelDefinition = {
  traits: { minInputSize: 1, supports: ['se', 'seRatio', 'widthMultiplier', 'dropout'], defaultDropout: 0.2 },
  build(options) {
    const init = new InitializerSeeds(options.seed, options.init);
    const alpha = options.widthMultiplier;
    const seRatio = options.se ? options.seRatio : undefined;
    const input = zooInput(options);
    let x = convBnAct(input, {
      name: 'stem_conv',
      filters: makeDivisible(STEM_CHANNELS * alpha),
      kernelSize: 3,
      activation: 'relu6',
      init,
    });
    let index = 1;
    for (const { t, c, n, s } of BLOCKS) {
      for (let i = 0; i < n; i++) {
        x = invertedResidual(x, {
          name: `block${index++}`,
          expansion: t,
          filters: makeDivisible(c * alpha),
          strides: i === 0 ? s : 1,
          seRatio,
          init,
        });
      }
    }
    const last = alpha > 1 ? makeDivisible(LAST_CHANNELS * alpha) : LAST_CHANNELS;
    x = convBnAct(x, { name: 'head_conv', filters: last, kernelSize: 1, activation: 'relu6', init });
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
    if (options.dropout > 0) {
      x = tf.layers
        .dropout({ name: 'dropout', rate: options.dropout, seed: options.seed })
        .apply(x) as tf.SymbolicTensor;
    }
    return zooModel('mobilenetv2-tiny', input, classifierHead(x, options.numClasses, init));
  },
};
