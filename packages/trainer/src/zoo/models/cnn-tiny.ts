/**
 * cnn-tiny: a distillation student of about 6,000 parameters (independent of the input size,
 * thanks to global average pooling): three 3x3 conv + BN + ReLU layers of 8, 16 and 32 channels
 * with 2x2 max pooling after the first two, then global average pooling and the logits.
 */

import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct } from '../blocks/conv-bn-act.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** cnn-tiny: conv 8, pool, conv 16, pool, conv 32, GAP, logits. */
export const cnnTinyDefinition: ZooModelDefinition = {
  traits: { minInputSize: 4, supports: [] },
  build(options) {
    const init = new InitializerSeeds(options.seed, options.init);
    const input = zooInput(options);
    let x = convBnAct(input, { name: 'conv1', filters: 8, kernelSize: 3, init });
    x = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = convBnAct(x, { name: 'conv2', filters: 16, kernelSize: 3, init });
    x = tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = convBnAct(x, { name: 'conv3', filters: 32, kernelSize: 3, init });
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
    return zooModel('cnn-tiny', input, classifierHead(x, options.numClasses, init));
  },
};
