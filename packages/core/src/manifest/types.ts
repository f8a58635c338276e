/**
 * The model package manifest: the `manifest.json` that sits next to a model's files and says what
 * the model expects (input, preprocessing, labels), which files hold it (format, precision, size,
 * sha256), how well it did (metrics, with the split named) and how it was made (lineage).
 * Everything here is plain JSON so that any language can read it.
 */

/** The schema version this edgeml writes. */
export const MANIFEST_SCHEMA_VERSION = 1;

/** Every schema version this edgeml can read. */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [1];

/** The manifest's file name inside a package directory. */
export const MANIFEST_FILE_NAME = 'manifest.json';

/** A value that survives `JSON.stringify`/`JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (pass configs, reports, `extra`). */
export type JsonObject = { [key: string]: JsonValue };

/** Tensor layouts a model file can expect; the batch dimension is always first. */
export const TENSOR_LAYOUTS = ['NHWC', 'NCHW'] as const;
/** Layout of the input tensor: `NHWC` (TF.js, TFLite) or `NCHW` (typical ONNX). */
export type TensorLayout = (typeof TENSOR_LAYOUTS)[number];

/** Element types a model input can have. */
export const INPUT_DTYPES = ['float32', 'uint8', 'int8'] as const;
/** Element type of the input tensor (`int8`/`uint8` for fully quantized models). */
export type InputDtype = (typeof INPUT_DTYPES)[number];

/** Resize methods the runtimes implement identically. */
export const RESIZE_METHODS = ['bilinear'] as const;
/** How an image is resized to the input size. */
export type ResizeMethod = (typeof RESIZE_METHODS)[number];

/** How an image whose aspect ratio differs from the input's is fitted to it. */
export const RESIZE_FITS = ['stretch', 'center-crop'] as const;
/**
 * `stretch`: resize to the input size, aspect ratio not kept; `center-crop`: resize so the shorter
 * side matches, then crop the centre (torchvision's `Resize(s)` + `CenterCrop(s)`).
 */
export type ResizeFit = (typeof RESIZE_FITS)[number];

/** Colour modes of the model input. */
export const CHANNEL_MODES = ['grayscale', 'rgb'] as const;
/** `grayscale` (1 channel, BT.601 luma) or `rgb` (3 channels, R then G then B). */
export type ChannelMode = (typeof CHANNEL_MODES)[number];

/** Output activations a classifier can end with. */
export const OUTPUT_ACTIVATIONS = ['softmax', 'none'] as const;
/** `softmax`: the model outputs probabilities; `none`: it outputs logits and runtimes apply softmax. */
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];

/** File formats a package may hold. */
export const MODEL_FILE_FORMATS = [
  'tfjs-layers',
  'tfjs-graph',
  'tfjs-weights',
  'onnx',
  'tflite',
  'wasm',
  'labels',
  'json',
  'markdown',
  'html',
  'other',
] as const;
/**
 * Format of one package file; `tfjs-layers`/`tfjs-graph` is the model.json, `tfjs-weights` a shard,
 * `wasm` a model compiled by `edgeml compile` (its loader `model.js` sits beside it as `other`).
 */
export type ModelFileFormat = (typeof MODEL_FILE_FORMATS)[number];

/** Formats that hold a model or its weights; entries in these formats must state a precision. */
export const MODEL_FORMATS: readonly ModelFileFormat[] = [
  'tfjs-layers',
  'tfjs-graph',
  'tfjs-weights',
  'onnx',
  'tflite',
  'wasm',
];

/** Numeric precisions of model weights and compute. */
export const PRECISIONS = ['float32', 'float16', 'int8', 'mixed'] as const;
/** Precision of a model file: `int8` is fully quantized, `mixed` keeps some layers in float. */
export type Precision = (typeof PRECISIONS)[number];

/** What a file is for in the package. */
export const FILE_ROLES = [
  'model',
  'weights',
  'labels',
  'metadata',
  'report',
  'calibration',
  'other',
] as const;
/** Role of a file: the loadable `model`, its `weights`, `labels`, `metadata` (summary.json), a `report`, ... */
export type FileRole = (typeof FILE_ROLES)[number];

/** Named data splits; other names are allowed, these are the ones tools recognise. */
export type MetricSplit = 'train' | 'validation' | 'test' | (string & {});

/** What the model takes: one image per batch element. */
export interface ModelInput {
  /** Always `[height, width, channels]`, whatever the layout; the batch dimension is left out. */
  shape: [number, number, number];
  /** How the tensor fed to the model is arranged (a file may override it). */
  layout: TensorLayout;
  /** Element type of the tensor fed to the model (a file may override it). */
  dtype: InputDtype;
}

/** What the model returns: one score per label. */
export interface ModelOutput {
  /** Whether the scores are already probabilities (`softmax`) or logits (`none`). */
  activation: OutputActivation;
}

/**
 * How to turn an image into the input tensor, identically in every runtime: decode, convert to
 * `channels`, resize to `resize.height x resize.width` with `resize.method`, then per channel
 * `x = (pixel * scale - mean[c]) / std[c]` with `pixel` in 0..255.
 */
export interface Preprocessing {
  /**
   * Target size and method; equals `input.shape[0..1]`. `fit` says how other aspect ratios are
   * fitted (absent means `stretch`).
   */
  resize: { height: number; width: number; method: ResizeMethod; fit?: ResizeFit };
  /** Colour mode; its channel count (1 or 3) equals `input.shape[2]`. */
  channels: ChannelMode;
  /** Multiplier applied to 0..255 pixels first, usually 1/255. */
  scale: number;
  /** Per-channel mean subtracted after scaling (one entry per channel). */
  mean: number[];
  /** Per-channel standard deviation divided by last (one positive entry per channel). */
  std: number[];
}

/** One file of the package, with what is needed to load it and to check it arrived intact. */
export interface ModelFileEntry {
  /** Path relative to the package directory, `/`-separated, no `..`: `model.onnx`, `tfjs/model.json`. */
  path: string;
  /** File format. */
  format: ModelFileFormat;
  /** Numeric precision; required for model formats, absent otherwise. */
  precision?: Precision;
  /** What the file is for. */
  role?: FileRole;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the content, 64 lowercase hex characters. */
  sha256: string;
  /** Input layout of this model file when it differs from `input.layout`. */
  inputLayout?: TensorLayout;
  /** Input element type of this model file when it differs from `input.dtype` (full-int8 TFLite). */
  inputDtype?: InputDtype;
  /**
   * Runtimes this file was planned for (a latency-aware int8 plan: `ort-web`, `ort-node`, ...): a
   * runtime picks its own planned file before one without `runtimes`; other runtimes ignore it.
   * Absent: any runtime.
   */
  runtimes?: string[];
}

/** A metric with its context: which split, how many samples, which file was measured. */
export interface MeasuredMetric {
  /** The measured number (accuracy as a fraction in [0, 1], latency in `unit`, ...). */
  value: number;
  /** Data split it was measured on. */
  split?: MetricSplit;
  /** Number of samples it was measured on. */
  samples?: number;
  /** Path of the package file that was measured (for per-variant metrics: int8 vs float32). */
  file?: string;
  /** Unit when not a plain fraction: `ms`, `bytes`, `MB/s`. */
  unit?: string;
}

/** A metric: a bare number (its key names the split: `test_accuracy`) or a measured record. */
export type MetricValue = number | MeasuredMetric;

/** An input a lineage step consumed, identified by content hash. */
export interface LineageInput {
  /** Human name: a package name, file name or data set name. */
  name: string;
  /** SHA-256 of the input (for a package: of its manifest.json bytes). */
  sha256: string;
  /** What the input was. */
  kind?: 'manifest' | 'model' | 'dataset' | 'file';
}

/** One step in the history of a package: a CLI command or an optimizer pass. */
export interface LineageStep {
  /** Whether the step was a whole `command` (`train`, `export`) or one optimizer `pass`. */
  kind: 'command' | 'pass';
  /** Command or pass name: `train`, `quantize`, `export-onnx`, `fold-bn`. */
  name: string;
  /** The step's configuration, exactly as validated (plain JSON). */
  config: JsonObject;
  /** What the step consumed. */
  inputs: LineageInput[];
  /** Package paths the step produced. */
  outputs?: string[];
  /** When the step finished, ISO 8601. */
  createdAt: string;
  /** The tool that ran the step. */
  tool: { name: string; version: string };
  /** Wall-clock duration of the step in milliseconds. */
  durationMs?: number;
  /** The step's measured report (plain JSON), if small enough to keep. */
  report?: JsonObject;
}

/** How the model was trained, for a reader who wants to reproduce or compare it. */
export interface TrainingInfo {
  /** Data set name (`mnist`, `cifar10`, a directory name). */
  dataset: string;
  /** TF.js backend used: `tensorflow`, `wasm`, `webgpu`, `cpu`. */
  backend: string;
  /** Epochs run. */
  epochs: number;
  /** Batch size. */
  batchSize?: number;
  /** Random seed of the run. */
  seed?: number;
  /** Samples per split. */
  samples?: { train?: number; validation?: number; test?: number };
}

/**
 * Which images a model was trained on, so that every later step (distill, prune, quantize, export
 * parity, eval, bench) can load the same data set and split again without being told, and can
 * refuse data that does not match. Plain JSON: the options `loadDataset` was called with, plus the
 * facts of what it loaded (classes, shape, normalisation, split sizes) to check a reload against.
 */
export interface DatasetReference {
  /** Data set id: `fashion-mnist`, `mnist`, `cifar10`, `image-folder`. */
  name: string;
  /** Where the images came from: an absolute directory, or `npm:<package>@<version>`. */
  source: string;
  /** Absolute data directory, for data sets read from one (image folders, a CIFAR-10 copy). */
  dir?: string;
  /** Seed of the train/validation (and, for image folders, test) split. */
  seed: number;
  /** Validation images carved from the training pool, when set explicitly. */
  validationSize?: number;
  /** Image folders without `test/`: share of each class held out as test, when set explicitly. */
  testFraction?: number;
  /** Square side the images were resized to, when set explicitly. */
  imageSize?: number;
  /** Colour mode the images were converted to, when set explicitly. */
  channels?: ChannelMode;
  /** How images of another aspect ratio were fitted (image folders). */
  fit?: ResizeFit;
  /** Classes kept (indices of the source data set, in the order of the labels), when a subset was taken. */
  classes?: number[];
  /** Training images kept per class (a seeded choice), when capped. */
  perClass?: number;
  /** How the splits were made, in words. */
  splitPolicy: string;
  /** Class names, index = label. */
  classNames: string[];
  /** `[height, width, channels]` of the loaded images. */
  inputShape: [number, number, number];
  /** Images per split. */
  splitSizes: { train: number; validation: number; test: number };
}

/** The content of `manifest.json`. */
export interface ModelManifest {
  /** Schema version; readers reject versions they do not support. */
  schemaVersion: 1;
  /** Model name: `mnist-cnn-small`. */
  name: string;
  /** One-line description. */
  description?: string;
  /** Class labels in output order. */
  labels: string[];
  /** What the model takes. */
  input: ModelInput;
  /** What the model returns; absent means `softmax`. */
  output?: ModelOutput;
  /** How an image becomes the input tensor. */
  preprocessing: Preprocessing;
  /** Every file of the package except manifest.json. */
  files: ModelFileEntry[];
  /** Metrics measured so far, keyed `test_accuracy`, `val_loss`, `int8_test_accuracy`, ... */
  metrics: Record<string, MetricValue>;
  /** Steps that produced the package, oldest first. */
  lineage: LineageStep[];
  /** Training summary. */
  training?: TrainingInfo;
  /** The data set the model was trained on, to load it again (absent in packages made before it existed). */
  data?: DatasetReference;
  /** Free-form plain JSON for tools that need more. */
  extra?: JsonObject;
}
