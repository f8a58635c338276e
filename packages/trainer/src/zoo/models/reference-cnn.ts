/**
 * reference-cnn: the benchmark CNN of FACTS.md, whose speed numbers were measured with it: conv 32
 * + BN + ReLU, conv 32 + ReLU, 2x2 max pool, conv 64 + ReLU, 2x2 max pool, flatten, dense 128 +
 * ReLU, dense logits. FACTS.md leaves kernel sizes and padding unstated; here every conv is 3x3
 * with padding 'same' (28x28 -> 14x14 -> 7x7, 3,136 features into dense 128), and the conv followed
 * by BN has no bias.
 */

import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct, denseAct } from '../blocks/conv-bn-act.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** reference-cnn: conv 32 + BN, conv 32, pool, conv 64, pool, dense 128, logits. */
export const referenceCnnDefinition: ZooModelDefinition = {
  traits: { minInputSize: 4, supports: [] },
  build(options) {
    const init = new InitializerSeeds(options.seed, options.init);
    const input = zooInput(options);
    let x = convBnAct(input, { name: 'conv1', filters: 32, kernelSize: 3, init });
    x = convBnAct(x, { name: 'conv2', filters: 32, kernelSize: 3, batchNorm: false, init });
    x = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = convBnAct(x, { name: 'conv3', filters: 64, kernelSize: 3, batchNorm: false, init });
    x = tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = denseAct(x, 128, 'fc1', init);
    return zooModel('reference-cnn', input, classifierHead(x, options.numClasses, init));
  },
};
