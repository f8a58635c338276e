/**
 * CIFAR ResNets (He et al. 2016, section 4.2): a 3x3 conv of 16 filters + BN + ReLU, three stages
 * of n basic blocks with 16, 32 and 64 filters (the first block of stages 2 and 3 has stride 2 and
 * a 1x1 conv + BN projection shortcut), global average pooling and the logits: 6n + 2 layers with
 * weights, so n = 1 is resnet8 and n = 3 is resnet20. Every conv is He-normal initialised (PyTorch-style
 * with `init: 'pytorch'`).
 */

import * as tf from '@tensorflow/tfjs';
import { basicBlock } from '../blocks/basic-block.js';
import { classifierHead } from '../blocks/classifier-head.js';
import { convBnAct } from '../blocks/conv-bn-act.js';
import { type ZooModelDefinition, zooInput, zooModel } from '../definition.js';
import type { ResolvedZooOptions } from '../options.js';
import { InitializerSeeds } from '../seeded-initializers.js';

/** Filters of the three stages. */
const STAGE_FILTERS = [16, 32, 64] as const;

/** Builds the CIFAR ResNet with `blocksPerStage` basic blocks per stage, named `zooName`. */
export function buildCifarResNet(
  zooName: string,
  blocksPerStage: number,
  options: ResolvedZooOptions,
): tf.LayersModel {
  const init = new InitializerSeeds(options.seed, options.init);
  const seRatio = options.se ? options.seRatio : undefined;
  const input = zooInput(options);
  let x = convBnAct(input, { name: 'stem_conv', filters: STAGE_FILTERS[0], kernelSize: 3, init });
  STAGE_FILTERS.forEach((filters, stage) => {
    for (let block = 0; block < blocksPerStage; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      x = basicBlock(x, { name: `stage${stage + 1}_block${block + 1}`, filters, strides, seRatio, init });
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  return zooModel(zooName, input, classifierHead(x, options.numClasses, init));
}

const RESNET_TRAITS = { minInputSize: 1, supports: ['se', 'seRatio'] } as const;

/** resnet8: one basic block per stage. */
export const resnet8Definition: ZooModelDefinition = {
  traits: RESNET_TRAITS,
  build: (options) => buildCifarResNet('resnet8', 1, options),
};

/** resnet20: three basic blocks per stage. */
export const resnet20Definition: ZooModelDefinition = {
  traits: RESNET_TRAITS,
  build: (options) => buildCifarResNet('resnet20', 3, options),
};
