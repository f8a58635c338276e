/**
 * LeNet-5 (LeCun et al. 1998) adapted the usual way: ReLU instead of scaled tanh, full connections
 * between conv layers, and padding 'same' on the first conv so a 28x28 MNIST-style input gives the
 * original 32x32 feature sizes (28 -> pool 14 -> conv 10 -> pool 5: 16 x 5 x 5 = 400 features).
 * Pooling is 2x2 average pooling (the original subsampling, without its trainable scale).
 */

import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct, denseAct } from '../blocks/conv-bn-act.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** LeNet-5: conv 6 5x5, avg pool, conv 16 5x5, avg pool, dense 120, dense 84, logits. */
export const lenet5Definition: ZooModelDefinition = {
  traits: { minInputSize: 12, supports: [] },
  build(options) {
    const init = new InitializerSeeds(options.seed, options.init);
    const input = zooInput(options);
    let x = convBnAct(input, { name: 'conv1', filters: 6, kernelSize: 5, batchNorm: false, init });
    x = tf.layers.averagePooling2d({ name: 'pool1', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = convBnAct(x, { name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', batchNorm: false, init });
    x = tf.layers.averagePooling2d({ name: 'pool2', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = denseAct(x, 120, 'fc1', init);
    x = denseAct(x, 84, 'fc2', init);
    return zooModel('lenet5', input, classifierHead(x, options.numClasses, init));
  },
};
