/**
 * cnn-small: the CIFAR-10 CNN of the seed article (section 3.1), which pools after each of its two
 * convs: [conv 3x3 'same' + ReLU, 2x2 max pool] with 32 then 64 filters, flatten, dense 512 + ReLU,
 * logits. Two additions, both standard: batch normalisation after each conv (the conv then has no
 * bias; it trains faster and tolerates larger learning rates) and dropout 0.5 before the logits
 * (the article recommends p = 0.5 in its section 1.3). On 32x32 input the flatten has 64 x 8 x 8
 * features as in the article; on 28x28 it has 64 x 7 x 7.
 */

import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct, denseAct } from '../blocks/conv-bn-act.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** cnn-small: [conv 32, pool], [conv 64, pool] (3x3, BN, ReLU), dense 512, dropout, logits. */
export const cnnSmallDefinition: ZooModelDefinition = {
  traits: { minInputSize: 4, supports: ['dropout'], defaultDropout: 0.5 },
  build(options) {
    const init = new InitializerSeeds(options.seed, options.init);
    const input = zooInput(options);
    let x = convBnAct(input, { name: 'conv1', filters: 32, kernelSize: 3, init });
    x = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = convBnAct(x, { name: 'conv2', filters: 64, kernelSize: 3, init });
    x = tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = denseAct(x, 512, 'fc1', init);
    if (options.dropout > 0) {
      x = tf.layers
        .dropout({ name: 'dropout', rate: options.dropout, seed: options.seed })
        .apply(x) as tf.SymbolicTensor;
    }
    return zooModel('cnn-small', input, classifierHead(x, options.numClasses, init));
  },
};
