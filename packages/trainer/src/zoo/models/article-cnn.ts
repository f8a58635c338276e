/**
 * article-cnn: the CIFAR-10 CNN of the seed article (section 3.1) exactly as written there:
 * [conv 3x3 'same' + ReLU, 2x2 max pool] with 32 then 64 filters, flatten (64 x 8 x 8 = 4096
 * features on 32x32 input), dense 512 + ReLU, dense numClasses. No batch normalisation, no dropout:
 * the convs keep their biases. It ends like every zoo model, in `logits` and a softmax `probs`.
 * cnn-small is the same network with BN after each conv and dropout 0.5 before the logits.
 */

import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct, denseAct } from '../blocks/conv-bn-act.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** article-cnn: [conv 32, pool], [conv 64, pool] (3x3, ReLU, with bias), dense 512, logits. */
export const articleCnnDefinition: ZooModelDefinition = {
  traits: { minInputSize: 4, supports: [] },
  build(options) {
    const init = new InitializerSeeds(options.seed, options.init);
    const input = zooInput(options);
    let x = convBnAct(input, { name: 'conv1', filters: 32, kernelSize: 3, batchNorm: false, init });
    x = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = convBnAct(x, { name: 'conv2', filters: 64, kernelSize: 3, batchNorm: false, init });
    x = tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = denseAct(x, 512, 'fc1', init);
    return zooModel('article-cnn', input, classifierHead(x, options.numClasses, init));
  },
};
