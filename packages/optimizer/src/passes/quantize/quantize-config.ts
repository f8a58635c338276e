/**
 * The quantize pass's config: plain JSON, checked when the pass is created, defaults filled in.
 * Settings a method would ignore are refused rather than dropped (`'calibration'` with method
 * `qat`), and the validated config holds null for them, so validating it again gives it back.
 */

import { ConfigError, type JsonObject, type OptionDecls, prefixOptions, readOptions } from '@edgeml/core';
import { PROFILED_RUNTIMES, type ProfiledRuntime } from './profile-nodes.js';
import {
  ONNX_QUANT_FORMATS,
  type OnnxQuantFormat,
  QUANTIZATION_METHODS,
  type QuantizationMethod,
} from './quantize-types.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from './range-estimators.js';

/** Settings of the `qat` method. */
export interface QatConfig extends JsonObject {
  /** Fine-tuning images drawn from the training split (null: all of it). @default null */
  images: number | null;
  /** @default 1 */
  epochs: number;
  /** @default 64 */
  batchSize: number;
  /** Adam learning rate. @default 1e-5 */
  learningRate: number;
  /** Seed of the image sample and the batch order. @default 0 */
  seed: number;
  /** Weight in [0, 1] of the float model's predictions in the targets (self-distillation). @default 0.5 */
  teacherWeight: number;
}

/** The quantize pass's config, defaults filled in; null where a setting does not apply. */
export interface QuantizeConfig extends JsonObject {
  /** @default 'ptq' */
  method: QuantizationMethod;
  /** ptq: range estimator (null for qat and dynamic). @default 'minmax' */
  calibration: CalibrationMethod | null;
  /** ptq: percentile kept by `percentile` calibration, in (50, 100]. @default 99.99 */
  percentile: number | null;
  /** ptq: calibration images drawn from the training split. @default 512 */
  calibrationImages: number | null;
  /** Evaluation images drawn from the test split (0: no evaluation). @default 1000 */
  evalImages: number;
  /** One weight scale per tensor instead of per output channel. @default false */
  perTensor: boolean;
  /** Accuracy-aware: largest top-1 drop in points before layers fall back to float (needs evalImages). @default null */
  maxDrop: number | null;
  /** Nodes (IR names, as in the report's `int8Nodes`) kept float. @default [] */
  keepFloat: string[];
  /** Form of model.int8.onnx. @default 'qdq' */
  onnxFormat: OnnxQuantFormat;
  /** Timed onnxruntime-node runs per latency (0: not measured). @default 200 */
  latencyRuns: number;
  /** Runtimes to plan int8 for: layers whose int8 kernel is slower there stay float, verified by A/B. @default [] */
  planFor: ProfiledRuntime[];
  /** qat: fine-tuning settings (null for ptq and dynamic). */
  qat: QatConfig | null;
}

/** The quantize pass's options, declared once: its config, the CLI's flags and the pipeline's keys. */
export const QUANTIZE_OPTIONS = {
  method: {
    kind: 'choice',
    values: QUANTIZATION_METHODS,
    default: 'ptq',
    placeholder: 'NAME',
    description: 'static PTQ (calibrated), QAT (fine-tuned with fake quantisation) or dynamic (weights only)',
  },
  calibration: {
    kind: 'choice',
    values: CALIBRATION_METHODS,
    default: 'minmax',
    placeholder: 'NAME',
    description: 'ptq: activation range estimator',
  },
  percentile: {
    kind: 'number',
    min: 50,
    minExclusive: true,
    max: 100,
    default: 99.99,
    placeholder: 'P',
    description: "ptq: percentile kept by 'percentile' calibration",
  },
  calibrationImages: {
    kind: 'integer',
    min: 1,
    max: 100_000,
    default: 512,
    flag: 'calib',
    placeholder: 'N',
    description: 'ptq: calibration images drawn from the training split',
  },
  evalImages: {
    kind: 'integer',
    min: 0,
    max: 100_000,
    default: 1000,
    flag: 'eval',
    placeholder: 'N',
    description: 'test images on which float and int8 accuracy are measured in every runtime (0: none)',
  },
  perTensor: {
    kind: 'boolean',
    default: false,
    description: 'one weight scale per tensor instead of per output channel',
  },
  maxDrop: {
    kind: 'number',
    min: 0,
    max: 100,
    nullable: true,
    default: null,
    placeholder: 'PTS',
    description:
      'accuracy-aware: keep the most sensitive layers float until top-1 drops at most this many points (needs evaluation images)',
  },
  keepFloat: {
    kind: 'list',
    minItems: 0,
    default: [],
    placeholder: 'NODES',
    description: "nodes (IR names, as in the report's int8Nodes) kept in float",
  },
  onnxFormat: {
    kind: 'choice',
    values: ONNX_QUANT_FORMATS,
    default: 'qdq',
    placeholder: 'FORMAT',
    description:
      'model.int8.onnx: QDQ pairs around float ops (fused by the runtime) or integer operators (QOperator)',
  },
  latencyRuns: {
    kind: 'integer',
    min: 0,
    max: 100_000,
    default: 200,
    placeholder: 'N',
    description: 'timed onnxruntime-node runs per latency (0: not measured)',
  },
  planFor: {
    kind: 'list',
    values: PROFILED_RUNTIMES,
    minItems: 0,
    default: [],
    placeholder: 'RUNTIMES',
    description:
      'latency-aware plan per runtime: profile each int8 layer there, keep float those slower than float, keep the result only if an interleaved A/B says it is faster (a model.int8.<runtime>.onnx the packagers pick)',
  },
} as const satisfies OptionDecls;

/** The qat method's options (the config's `qat` object; flat `qat*` keys and `--qat-*` flags elsewhere). */
export const QAT_OPTIONS = {
  images: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    flag: 'limit',
    placeholder: 'N',
    description: 'qat: fine-tune on a seeded subset of N training images (null: all)',
  },
  epochs: {
    kind: 'integer',
    min: 1,
    max: 1000,
    default: 1,
    flag: 'qat-epochs',
    placeholder: 'N',
    description: 'qat: fine-tuning epochs',
  },
  batchSize: {
    kind: 'integer',
    min: 1,
    max: 65_536,
    default: 64,
    flag: 'qat-batch',
    placeholder: 'N',
    description: 'qat: images per step',
  },
  learningRate: {
    kind: 'number',
    min: 0,
    minExclusive: true,
    default: 1e-5,
    flag: 'qat-lr',
    placeholder: 'X',
    description: 'qat: Adam learning rate',
  },
  seed: {
    kind: 'integer',
    min: 0,
    default: 0,
    flag: 'qat-seed',
    placeholder: 'S',
    description: 'qat: seed of the image sample and the batch order',
  },
  teacherWeight: {
    kind: 'number',
    min: 0,
    max: 1,
    default: 0.5,
    flag: 'qat-teacher',
    placeholder: 'W',
    description: "qat: weight of the float model's predictions in the targets (self-distillation)",
  },
} as const satisfies OptionDecls;

/** The qat options as flat keys (`qatEpochs`, ...): the pipeline's and the CLI's form. */
export const QAT_FLAT_OPTIONS = prefixOptions(QAT_OPTIONS, 'qat');

/** The settings that apply to method 'ptq' only. */
const PTQ_ONLY = ['calibration', 'percentile', 'calibrationImages'] as const;

/** The keys of `values` that are set (absent, undefined and null mean "not set"). */
function given(values: Record<string, unknown>, key: string): boolean {
  return values[key] !== undefined && values[key] !== null;
}

/** `values` without the null entries of keys whose declaration is not nullable (null: not set). */
function withoutNulls(values: Record<string, unknown>, decls: OptionDecls): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([k, v]) => {
      const d = decls[k];
      return v !== null || d === undefined || ('nullable' in d && d.nullable === true);
    }),
  );
}

/** Checks a quantize config (QUANTIZE_OPTIONS, `qat`: QAT_OPTIONS) and fills in defaults; ConfigError names the setting. */
export function validateQuantizeConfig(json: unknown): QuantizeConfig {
  if (json !== undefined && json !== null && (typeof json !== 'object' || Array.isArray(json))) {
    throw new ConfigError(`quantize: the config must be a JSON object, got ${JSON.stringify(json)}`);
  }
  const o = withoutNulls((json ?? {}) as Record<string, unknown>, QUANTIZE_OPTIONS);
  const options = readOptions(QUANTIZE_OPTIONS, o, 'quantize', ['qat']);
  const { method, evalImages, maxDrop } = options;
  const qatInput = o['qat'] ?? null;
  if (qatInput !== null && (typeof qatInput !== 'object' || Array.isArray(qatInput))) {
    throw new ConfigError(`quantize: 'qat' must be a JSON object, got ${JSON.stringify(qatInput)}`, {
      key: 'qat',
    });
  }
  const qat = readOptions(
    QAT_OPTIONS,
    withoutNulls((qatInput ?? {}) as Record<string, unknown>, QAT_OPTIONS),
    'quantize.qat',
  );
  if (qatInput !== null && method !== 'qat') {
    throw new ConfigError(`quantize: 'qat' settings need method 'qat', got method '${method}'`, {
      key: 'qat',
    });
  }
  // Settings the chosen method would silently ignore.
  const ptqSettings = PTQ_ONLY.filter((k) => given(o, k));
  if (method !== 'ptq' && ptqSettings.length > 0) {
    throw new ConfigError(
      `quantize: ${ptqSettings.map((k) => `'${k}'`).join(', ')}: calibration settings apply to method 'ptq' only, got method '${method}'`,
      { key: ptqSettings[0] },
    );
  }
  if (maxDrop !== null && (method === 'dynamic' || evalImages === 0)) {
    throw new ConfigError(
      `quantize: 'maxDrop' needs method 'ptq' or 'qat' and evaluation images ('evalImages'), got method '${method}'${evalImages > 0 ? '' : ' and no evaluation images'}`,
      { key: 'maxDrop' },
    );
  }
  if (method === 'dynamic' && options.planFor.length > 0) {
    throw new ConfigError(
      "quantize: 'planFor' plans which int8 layers stay float; method 'dynamic' computes every layer in float (needs method 'ptq' or 'qat')",
      { key: 'planFor' },
    );
  }
  if (method === 'dynamic' && options.onnxFormat === 'qoperator') {
    throw new ConfigError(
      "quantize: dynamic quantisation writes QDQ (int8 weights behind DequantizeLinear); 'onnxFormat' 'qoperator' needs method 'ptq' or 'qat'",
      { key: 'onnxFormat' },
    );
  }
  const ptq = method === 'ptq';
  return {
    method,
    calibration: ptq ? options.calibration : null,
    percentile: ptq ? options.percentile : null,
    calibrationImages: ptq ? options.calibrationImages : null,
    evalImages,
    perTensor: options.perTensor,
    maxDrop,
    keepFloat: [...options.keepFloat],
    onnxFormat: options.onnxFormat,
    latencyRuns: options.latencyRuns,
    planFor: [...options.planFor],
    qat:
      method === 'qat'
        ? {
            images: qat.images,
            epochs: qat.epochs,
            batchSize: qat.batchSize,
            learningRate: qat.learningRate,
            seed: qat.seed,
            teacherWeight: qat.teacherWeight,
          }
        : null,
  };
}

/** Whether a quantize run needs images: calibration, fine-tuning or evaluation (not `dynamic` without evaluation). */
export function quantizeNeedsDataset(config: QuantizeConfig): boolean {
  return config.method !== 'dynamic' || config.evalImages > 0;
}
