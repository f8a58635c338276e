/**
 * The training configuration: plain JSON, every key optional in the input and filled with a
 * documented default by `validateTrainConfig`. Defaults follow common practice for small CNNs
 * (Adam at 1e-3, betas 0.9/0.999, as in the PyTorch recipes) and keep every regulariser off until
 * asked for, so that a bare `{}` trains plainly and reproducibly.
 */

/** Optimizer names: Adam (with optional coupled L2), AdamW (decoupled decay), SGD (momentum). */
export type OptimizerName = 'adam' | 'adamw' | 'sgd';

/** All optimizer names, in the order error messages list them. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adam', 'adamw', 'sgd'];

/** Optimizer settings. Keys that do not apply to the chosen optimizer are ignored. */
export interface OptimizerConfig {
  /** @default 'adam' */
  readonly name: OptimizerName;
  /** Base learning rate. @default 0.001 (adam, adamw), 0.01 (sgd) */
  readonly lr: number;
  /** Adam first-moment decay, in [0, 1). @default 0.9 */
  readonly beta1: number;
  /** Adam second-moment decay, in [0, 1). @default 0.999 */
  readonly beta2: number;
  /** Adam denominator epsilon. @default 1e-8 */
  readonly epsilon: number;
  /**
   * Weight decay on kernels (rank >= 2; biases and BatchNorm parameters are never decayed).
   * adam/sgd: coupled L2 (adds `weightDecay * w` to the gradient); adamw: decoupled
   * (`w -= lr * weightDecay * w` after the step). @default 0 (adam, sgd), 0.01 (adamw)
   */
  readonly weightDecay: number;
  /** SGD momentum, in [0, 1). @default 0.9 */
  readonly momentum: number;
  /** SGD Nesterov momentum. @default false */
  readonly nesterov: boolean;
}

/** Learning-rate schedule names. */
export type ScheduleName = 'constant' | 'cosine' | 'step' | 'plateau';

/** All schedule names. */
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['constant', 'cosine', 'step', 'plateau'];

/** Learning-rate schedule settings (a linear warm-up applies to every schedule). */
export interface ScheduleConfig {
  /** @default 'constant' */
  readonly name: ScheduleName;
  /** Epochs of linear warm-up from lr/steps to lr, counted in steps. @default 0 */
  readonly warmupEpochs: number;
  /** Lowest learning rate (cosine end point, plateau floor). @default 0 */
  readonly minLr: number;
  /** step: multiply by `gamma` every `stepSize` epochs. @default 10 */
  readonly stepSize: number;
  /** step: the multiplier. @default 0.1 */
  readonly gamma: number;
  /** plateau: multiply by `factor` when the monitored loss stalls. @default 0.1 */
  readonly factor: number;
  /** plateau: epochs without improvement before reducing. @default 3 */
  readonly patience: number;
  /** plateau: an improvement must exceed this. @default 1e-4 */
  readonly threshold: number;
}

/** Augmentations, applied to each training batch in plain JS with the seeded generator. */
export interface AugmentConfig {
  /**
   * Random crop after padding by this many pixels on each side (0 = off), as torchvision's
   * `RandomCrop(size, padding=p)`: the padding is black (pixel value 0 before normalisation, i.e.
   * `-mean / std` per channel in the normalised batch), and the offset is uniform in [-p, p] on
   * each axis. @default 0
   */
  readonly randomCropPadding: number;
  /**
   * Random horizontal flip with probability 0.5. Off by default: digits and clothes have a
   * meaningful orientation (a mirrored 2 or shoe is not the same picture). Turn it on for natural
   * photos (CIFAR-10, image folders of objects). @default false
   */
  readonly horizontalFlip: boolean;
  /**
   * Random resized crop (area fraction `scale`, aspect ratio `ratio`, bilinear resampling back to
   * the input size), for larger images; null = off. Exclusive with randomCropPadding. @default null
   */
  readonly randomResizedCrop: {
    readonly scale: readonly [number, number];
    readonly ratio: readonly [number, number];
  } | null;
  /**
   * Colour jitter as torchvision's `ColorJitter(brightness, contrast, saturation)`, on the pixels
   * in [0, 1] before normalisation: each image draws factors uniform in [max(0, 1 - v), 1 + v]
   * and applies the enabled adjustments in a random order, clamping to [0, 1]. Absent = off (so
   * that configs written before this key keep their hash). @default absent
   */
  readonly colorJitter?: ColorJitterConfig;
  /**
   * Cutout (DeVries & Taylor 2017): one square of this side per image, centred at a uniformly drawn
   * pixel and clipped at the borders, set to 0 in the normalised batch (the mean colour), as the
   * paper's code does after normalisation. Absent = off. @default absent
   */
  readonly cutout?: number;
}

/** Colour-jitter strengths (0 = that adjustment is off); hue is not supported. */
export interface ColorJitterConfig {
  /** Brightness factor range [max(0, 1 - v), 1 + v]: pixel * f. @default 0 */
  readonly brightness: number;
  /** Contrast: blend with the image's mean grey level by f. @default 0 */
  readonly contrast: number;
  /** Saturation: blend with the pixel's grey level by f (RGB only). @default 0 */
  readonly saturation: number;
}

/** Early stopping on a validation metric. */
export interface EarlyStoppingConfig {
  /** Metric to watch. @default 'valLoss' */
  readonly monitor: 'valLoss' | 'valAccuracy';
  /** Epochs without improvement before stopping. @default 5 */
  readonly patience: number;
  /** An improvement must exceed this. @default 0 */
  readonly minDelta: number;
  /** Restore the weights of the best epoch when training ends. @default true */
  readonly restoreBest: boolean;
}

/** Loss settings. */
export interface LossConfig {
  /** @default 'crossentropy' */
  readonly name: 'crossentropy' | 'focal';
  /** Focal loss focusing parameter (ignored for crossentropy). @default 2 */
  readonly gamma: number;
}

/** A fully resolved training configuration (what `validateTrainConfig` returns). */
export interface TrainConfig {
  /** Passes over the training split. @default 10 */
  readonly epochs: number;
  /** Images per step; must not exceed the training images used. @default 64 */
  readonly batchSize: number;
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
  readonly loss: LossConfig;
  /** Label smoothing epsilon in [0, 1). @default 0 */
  readonly labelSmoothing: number;
  /** Mixup Beta(alpha, alpha) parameter; 0 = off. @default 0 */
  readonly mixupAlpha: number;
  /** Overrides the rate of every Dropout layer; null keeps the model's rates. @default null */
  readonly dropout: number | null;
  readonly augment: AugmentConfig;
  /** null = off. An object (even `{}`) turns it on with its defaults. @default null */
  readonly earlyStopping: EarlyStoppingConfig | null;
  /** 'balanced' weighs class c by n / (k * n_c); an array gives one weight per class. @default 'none' */
  readonly classWeights: 'none' | 'balanced' | readonly number[];
  /** Draw training images class-balanced (with replacement) instead of one pass. @default false */
  readonly oversample: boolean;
  /** Seed of initialisation-independent randomness: order, augmentation, mixup, dropout. @default 0 */
  readonly seed: number;
  /** Train on only the first N images of a seeded permutation of the training split; null = all. @default null */
  readonly limit: number | null;
  /** 'none', 'backbone' (everything but the head), or N (the first N layers). @default 'none' */
  readonly freeze: 'none' | 'backbone' | number;
  /** 1-based epoch from which every layer trains again; null = never. @default null */
  readonly unfreezeAtEpoch: number | null;
  /**
   * Multiplier in (0, 1] of the learning rate from `unfreezeAtEpoch` on, on top of the schedule
   * (Keras / fast.ai practice: fine-tune the whole network at a lower rate once it is unfrozen).
   * Needs `unfreezeAtEpoch`. Absent = 1 (so that configs written before this key keep their hash).
   * @default absent
   */
  readonly unfreezeLrScale?: number;
  /** Batch size for validation passes. @default 256 */
  readonly evalBatchSize: number;
}

/** Input form of the config: any key may be omitted, nested objects too. */
export type TrainConfigInput = { readonly [K in keyof TrainConfig]?: PartialValue<TrainConfig[K]> };

/** Partial at every depth for object-valued keys; arrays and scalars stay as they are. */
type PartialValue<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: PartialValue<T[K]> }
    : T;

/** The defaults, as documented on each key (optimizer lr/weightDecay depend on the name). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 10,
  batchSize: 64,
  optimizer: {
    name: 'adam',
    lr: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0,
    momentum: 0.9,
    nesterov: false,
  },
  schedule: {
    name: 'constant',
    warmupEpochs: 0,
    minLr: 0,
    stepSize: 10,
    gamma: 0.1,
    factor: 0.1,
    patience: 3,
    threshold: 1e-4,
  },
  loss: { name: 'crossentropy', gamma: 2 },
  labelSmoothing: 0,
  mixupAlpha: 0,
  dropout: null,
  augment: { randomCropPadding: 0, horizontalFlip: false, randomResizedCrop: null },
  earlyStopping: null,
  classWeights: 'none',
  oversample: false,
  seed: 0,
  limit: null,
  freeze: 'none',
  unfreezeAtEpoch: null,
  evalBatchSize: 256,
};

/** Early-stopping defaults, used when `earlyStopping` is an object. */
export const DEFAULT_EARLY_STOPPING: EarlyStoppingConfig = {
  monitor: 'valLoss',
  patience: 5,
  minDelta: 0,
  restoreBest: true,
};

/** Random-resized-crop defaults (torchvision's), used when `randomResizedCrop` is an object. */
export const DEFAULT_RANDOM_RESIZED_CROP = { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] } as const;
