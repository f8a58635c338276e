/**
 * The `edgeml pipeline` config: its JSON Schema (draft-07, written to edgeml.config.schema.json by
 * `edgeml pipeline --write-schema`) and the TypeScript type of a validated config. Every key has a
 * default (the `quick` preset's value); unknown keys are rejected at every level.
 */
import { RESIZE_FITS, type ResizeFit } from '@edgeml/core';
import { BACKEND_NAMES, DATASET_NAMES, ZOO_MODEL_NAMES } from '@edgeml/trainer';
import { BENCH_TARGETS, PACKAGE_TARGETS } from './targets.js';

type Schema = Record<string, unknown>;

const int = (description: string, min: number, fallback: number | null, max?: number): Schema => ({
  type: fallback === null ? ['integer', 'null'] : 'integer',
  minimum: min,
  ...(max !== undefined && { maximum: max }),
  default: fallback,
  description,
});
const num = (description: string, range: Schema, fallback: number): Schema => ({
  type: 'number',
  ...range,
  default: fallback,
  description,
});
const choice = (description: string, values: readonly string[], fallback: string): Schema => ({
  type: 'string',
  enum: [...values],
  default: fallback,
  description,
});
const bool = (description: string, fallback: boolean): Schema => ({
  type: 'boolean',
  default: fallback,
  description,
});
const object = (description: string, properties: Record<string, Schema>): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  properties,
  default: {},
});
const list = (description: string, values: readonly string[], fallback: readonly string[]): Schema => ({
  type: 'array',
  items: { type: 'string', enum: [...values] },
  uniqueItems: true,
  default: [...fallback],
  description,
});

const MODELS = ZOO_MODEL_NAMES;
const OPTIMIZERS = ['adam', 'adamw', 'sgd'];
const SCHEDULES = ['constant', 'cosine', 'step', 'plateau'];

/** Keys of one training run (teacher, student, fine-tuning). */
function trainingKeys(what: string, epochs: number, lr: number | null): Record<string, Schema> {
  return {
    epochs: int(`${what}: passes over the (limited) training split`, 1, epochs, 10_000),
    batchSize: int(`${what}: images per step`, 1, 64, 8192),
    limit: int(`${what}: train on a seeded subset of N training images (null: all)`, 1, null),
    optimizer: choice(`${what}: optimizer`, OPTIMIZERS, 'adam'),
    lr: {
      type: lr === null ? ['number', 'null'] : 'number',
      exclusiveMinimum: 0,
      default: lr,
      description: `${what}: learning rate (null: the optimizer default)`,
    },
    schedule: choice(`${what}: learning-rate schedule`, SCHEDULES, 'constant'),
  };
}

/** The JSON Schema of edgeml.config.json. */
export const PIPELINE_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://edgeml.dev/schemas/edgeml.config.schema.json',
  title: 'edgeml pipeline config',
  description:
    'Config of `edgeml pipeline`: train a teacher, distil a student, prune, quantise (int8 PTQ), export, package, benchmark, report. Keys left out take the preset\'s value (--preset, default "quick").',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'path or URL of this schema (ignored)' },
    out: { type: 'string', minLength: 1, default: 'runs/pipeline', description: 'run directory' },
    seed: int('seed of every split, shuffle and initialisation', 0, 0),
    backend: choice('TF.js backend for training and evaluation', BACKEND_NAMES, 'auto'),
    threads: int('wasm threads (null: all cores, at most 8)', 1, null, 64),
    evalImages: int('test images every stage is evaluated on (null: the whole test split)', 1, null),
    dataset: object('the data set', {
      name: choice('data set name', DATASET_NAMES, 'fashion-mnist'),
      dir: {
        type: ['string', 'null'],
        default: null,
        description:
          'directory (image-folder; cifar10: a copy of the binary batches instead of the built-in one)',
      },
      validationSize: int('images carved from the pool for validation (null: 10%)', 0, null),
      imageSize: int("resize images to this square side (null: the data set's own size)", 1, null, 4096),
      fit: choice('image-folder: how other aspect ratios are fitted', RESIZE_FITS, 'stretch'),
    }),
    teacher: object('stage train: the teacher', {
      model: choice('zoo model of the teacher', MODELS, 'cnn-small'),
      ...trainingKeys('teacher', 2, null),
    }),
    distill: object('stage distill: Hinton distillation into a zoo student (cached teacher logits)', {
      student: choice('zoo model of the student', MODELS, 'lenet5'),
      temperature: num('softmax temperature', { exclusiveMinimum: 0 }, 4),
      alpha: num('weight of the soft (teacher) term', { minimum: 0, maximum: 1 }, 0.7),
      baseline: bool('also train the student from scratch on the same budget (reports the gain)', false),
      ...trainingKeys('student', 3, null),
    }),
    prune: object('stage prune: pruning + fine-tuning of the student', {
      method: choice(
        'structured removes channels; magnitude zeroes weights',
        ['structured', 'magnitude'],
        'magnitude',
      ),
      sparsity: num('fraction of channels or weights removed', { minimum: 0, exclusiveMaximum: 1 }, 0.5),
      criterion: choice('structured: channel ranking', ['l1', 'bn-gamma', 'both'], 'l1'),
      scope: choice('magnitude: thresholds per layer or global', ['per-layer', 'global'], 'per-layer'),
      finetuneEpochs: int('fine-tuning epochs (0: none)', 0, 1, 10_000),
      ...trainingKeys('fine-tuning', 1, 0.0005),
    }),
    quantize: object('stage quantize: int8 quantisation', {
      method: choice(
        'static PTQ (calibrated), QAT (fine-tuned with fake quantisation) or dynamic (weights only)',
        ['ptq', 'qat', 'dynamic'],
        'ptq',
      ),
      calibration: choice('range estimator', ['minmax', 'percentile', 'entropy'], 'minmax'),
      calibrationImages: int('calibration images from the training split', 1, 512, 100_000),
      perTensor: bool('one weight scale per tensor instead of per channel', false),
      onnxFormat: choice(
        'model.int8.onnx: QDQ pairs around float ops (fused by the runtime) or the integer operators (QOperator)',
        ['qdq', 'qoperator'],
        'qdq',
      ),
      maxDrop: {
        type: ['number', 'null'],
        minimum: 0,
        default: null,
        description: 'keep the most sensitive layers float until top-1 drops at most this many points',
      },
      latencyRuns: int('timed onnxruntime-node runs per latency (0: skip)', 0, 50),
      qatEpochs: int('qat: fine-tuning epochs', 1, 1, 1000),
      qatImages: int('qat: fine-tune on a seeded subset of N training images (null: all)', 1, null),
      qatBatchSize: int('qat: images per step', 1, 64, 8192),
      qatLearningRate: num('qat: Adam learning rate', { exclusiveMinimum: 0 }, 1e-5),
      qatTeacherWeight: num(
        "qat: weight of the float model's predictions in the targets (self-distillation)",
        { minimum: 0, maximum: 1 },
        0.5,
      ),
    }),
    export: object('stage export: ONNX, TFLite, TF.js of teacher, student and the final model', {
      formats: list('formats to write', ['onnx', 'tflite', 'tfjs'], ['onnx', 'tflite', 'tfjs']),
      parityImages: int('test images for the parity check (0: skip)', 0, 64, 100_000),
    }),
    package: object('stage package: deployable targets of the final model', {
      targets: list('targets to write', PACKAGE_TARGETS, PACKAGE_TARGETS),
      precision: choice('model variant the worker and web targets serve', ['float32', 'int8'], 'int8'),
      measureWorker: bool('measure the Worker bundle with `wrangler deploy --dry-run` (slow)', false),
    }),
    bench: object('stage bench: every exported model on each target', {
      targets: list('bench targets', BENCH_TARGETS, ['ort-node', 'ort-web', 'tflite']),
      images: int('test images for accuracy', 1, 500, 10_000),
      coldStarts: int('fresh processes per case', 1, 1, 100),
      warmupIterations: int('warm-up iterations', 0, 10),
      minIterations: int('least latency iterations', 1, 30),
      maxIterations: int('most latency iterations', 1, 500),
      timeMs: int('latency time budget per case (ms)', 0, 500),
      batchSizes: {
        type: 'array',
        items: { type: 'integer', minimum: 1 },
        minItems: 1,
        default: [1, 32],
        description: 'batch sizes for throughput',
      },
    }),
  },
} as const;

/** One training run's settings. */
export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  limit: number | null;
  optimizer: string;
  lr: number | null;
  schedule: string;
}

/** A validated pipeline config (every key present). */
export interface PipelineConfig {
  $schema?: string;
  out: string;
  seed: number;
  backend: string;
  threads: number | null;
  evalImages: number | null;
  dataset: {
    name: string;
    dir: string | null;
    validationSize: number | null;
    imageSize: number | null;
    fit: ResizeFit;
  };
  teacher: TrainingSettings & { model: string };
  distill: TrainingSettings & { student: string; temperature: number; alpha: number; baseline: boolean };
  prune: TrainingSettings & {
    method: 'structured' | 'magnitude';
    sparsity: number;
    criterion: 'l1' | 'bn-gamma' | 'both';
    scope: 'per-layer' | 'global';
    finetuneEpochs: number;
  };
  quantize: {
    method: 'ptq' | 'qat' | 'dynamic';
    calibration: 'minmax' | 'percentile' | 'entropy';
    calibrationImages: number;
    perTensor: boolean;
    onnxFormat: 'qdq' | 'qoperator';
    maxDrop: number | null;
    latencyRuns: number;
    qatEpochs: number;
    qatImages: number | null;
    qatBatchSize: number;
    qatLearningRate: number;
    qatTeacherWeight: number;
  };
  export: { formats: ('onnx' | 'tflite' | 'tfjs')[]; parityImages: number };
  package: { targets: string[]; precision: 'float32' | 'int8'; measureWorker: boolean };
  bench: {
    targets: string[];
    images: number;
    coldStarts: number;
    warmupIterations: number;
    minIterations: number;
    maxIterations: number;
    timeMs: number;
    batchSizes: number[];
  };
}
