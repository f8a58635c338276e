/**
 * The model zoo's catalogue: the name of every model `buildModel` can build and a one-line
 * description of each. Kept apart from the builders so that a CLI or a config validator can list
 * the names without loading TensorFlow.js.
 */

/** Every model the zoo builds, in the order the README table lists them. */
export const ZOO_MODEL_NAMES = [
  'lenet5',
  'cnn-tiny',
  'cnn-small',
  'article-cnn',
  'reference-cnn',
  'resnet8',
  'resnet20',
  'mobilenetv2-tiny',
] as const;

/** The name of a zoo model. */
export type ZooModelName = (typeof ZOO_MODEL_NAMES)[number];

/** True when `name` is one of ZOO_MODEL_NAMES. */
export function isZooModelName(name: string): name is ZooModelName {
  return (ZOO_MODEL_NAMES as readonly string[]).includes(name);
}

/** One-line description of every zoo model. */
export const ZOO_DOCS: Readonly<Record<ZooModelName, string>> = {
  lenet5:
    'LeNet-5 (LeCun 1998) with ReLU: conv 6 5x5 (same), avg pool, conv 16 5x5, avg pool, dense 120, dense 84, logits.',
  'cnn-tiny':
    'Distillation student: conv 8, pool, conv 16, pool, conv 32 (3x3, BN, ReLU), global average pooling, logits.',
  'cnn-small':
    "The seed article's CIFAR CNN with BN: [conv 32 3x3 + BN + ReLU, max pool] x [32, 64], dense 512, dropout 0.5, logits.",
  'article-cnn':
    "The seed article's CIFAR CNN exactly (section 3.1): [conv 3x3 + ReLU, max pool] x [32, 64], dense 512, logits; no BN, no dropout.",
  'reference-cnn':
    'The benchmark CNN of FACTS.md: conv 32 + BN + ReLU, conv 32, max pool, conv 64, max pool, dense 128, logits.',
  resnet8:
    'CIFAR ResNet (He et al. 2016), 3 stages of 16/32/64 filters with 1 basic block each, projection shortcuts, GAP.',
  resnet20:
    'CIFAR ResNet (He et al. 2016), 3 stages of 16/32/64 filters with 3 basic blocks each, projection shortcuts, GAP.',
  'mobilenetv2-tiny':
    'MobileNetV2 inverted residuals (ReLU6, linear bottlenecks) sized for 28x28/32x32 inputs; widthMultiplier option.',
};
