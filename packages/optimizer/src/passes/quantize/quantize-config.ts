/**
 * The quantize pass's config: plain JSON, checked when the pass is created, defaults filled in.
 * Settings a method would ignore are refused rather than dropped (`'calibration'` with method
 * `qat`), and the validated config holds null for them, so validating it again gives it back.
 */

import { ConfigError, formatAllowed, type JsonObject } from '@edgeml/core';
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
  /** Evaluation images drawn from the test split (0: no evaluation). @default 0 */
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
  /** qat: fine-tuning settings (null for ptq and dynamic). */
  qat: QatConfig | null;
}

/** The defaults of the keys every method has. */
export const QUANTIZE_DEFAULTS = {
  method: 'ptq',
  calibration: 'minmax',
  percentile: 99.99,
  calibrationImages: 512,
  evalImages: 0,
  perTensor: false,
  maxDrop: null,
  keepFloat: [],
  onnxFormat: 'qdq',
  latencyRuns: 200,
  qat: { images: null, epochs: 1, batchSize: 64, learningRate: 1e-5, seed: 0, teacherWeight: 0.5 },
} as const;

const KEYS = Object.keys(QUANTIZE_DEFAULTS);
const QAT_KEYS = Object.keys(QUANTIZE_DEFAULTS.qat);

function fail(message: string, key: string): never {
  throw new ConfigError(message, { key });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The keys of `values` that are set (absent, undefined and null mean "not set"). */
function given(values: Record<string, unknown>, key: string): boolean {
  return values[key] !== undefined && values[key] !== null;
}

function refuseUnknown(values: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  const unknown = Object.keys(values).filter((k) => !allowed.includes(k) && values[k] !== undefined);
  if (unknown.length > 0) {
    fail(
      `quantize: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${prefix}${k}'`).join(', ')}; allowed: ${formatAllowed(allowed.map((k) => `${prefix}${k}`))}`,
      `${prefix}${unknown[0]}`,
    );
  }
}

function integerAtLeast(name: string, v: unknown, min: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    fail(`'${name}' must be ${what}, got ${v}`, name);
  return v;
}

/** Checks a quantize config and fills in defaults; throws ConfigError naming the setting. */
export function validateQuantizeConfig(json: unknown): QuantizeConfig {
  if (json !== undefined && json !== null && !isObject(json)) {
    throw new ConfigError(`quantize: the config must be a JSON object, got ${JSON.stringify(json)}`);
  }
  const o: Record<string, unknown> = json ?? {};
  refuseUnknown(o, KEYS, '');
  const d = QUANTIZE_DEFAULTS;
  const method = o['method'] ?? d.method;
  if (!(QUANTIZATION_METHODS as readonly unknown[]).includes(method)) {
    fail(`'method' must be ${formatAllowed(QUANTIZATION_METHODS)}, got ${JSON.stringify(method)}`, 'method');
  }
  const calibration = given(o, 'calibration') ? o['calibration'] : d.calibration;
  if (!(CALIBRATION_METHODS as readonly unknown[]).includes(calibration)) {
    fail(
      `'calibration' must be ${formatAllowed(CALIBRATION_METHODS)}, got ${JSON.stringify(calibration)}`,
      'calibration',
    );
  }
  const onnxFormat = o['onnxFormat'] ?? d.onnxFormat;
  if (!(ONNX_QUANT_FORMATS as readonly unknown[]).includes(onnxFormat)) {
    fail(
      `'onnxFormat' must be ${formatAllowed(ONNX_QUANT_FORMATS)}, got ${JSON.stringify(onnxFormat)}`,
      'onnxFormat',
    );
  }
  const calibrationImages = given(o, 'calibrationImages') ? o['calibrationImages'] : d.calibrationImages;
  integerAtLeast('calibrationImages', calibrationImages, 1, 'a positive integer');
  const percentile = given(o, 'percentile') ? o['percentile'] : d.percentile;
  if (typeof percentile !== 'number' || !(percentile > 50 && percentile <= 100)) {
    fail(`'percentile' must be in (50, 100], got ${percentile}`, 'percentile');
  }
  const evalImages = integerAtLeast('evalImages', o['evalImages'] ?? d.evalImages, 0, 'an integer >= 0');
  const latencyRuns = integerAtLeast('latencyRuns', o['latencyRuns'] ?? d.latencyRuns, 0, 'an integer >= 0');
  const perTensor = o['perTensor'] ?? d.perTensor;
  if (typeof perTensor !== 'boolean')
    fail(`'perTensor' must be true or false, got ${perTensor}`, 'perTensor');
  const keepFloat = o['keepFloat'] ?? d.keepFloat;
  if (!Array.isArray(keepFloat) || !keepFloat.every((n) => typeof n === 'string' && n !== '')) {
    fail(`'keepFloat' must be a list of node names, got ${JSON.stringify(keepFloat)}`, 'keepFloat');
  }
  const maxDrop = o['maxDrop'] ?? null;
  if (maxDrop !== null && !(typeof maxDrop === 'number' && maxDrop >= 0)) {
    fail(`'maxDrop' must be >= 0 (points of top-1 accuracy), got ${maxDrop}`, 'maxDrop');
  }

  const qatInput = o['qat'] ?? null;
  if (qatInput !== null && !isObject(qatInput)) {
    fail(`'qat' must be a JSON object, got ${JSON.stringify(qatInput)}`, 'qat');
  }
  const q: Record<string, unknown> = qatInput ?? {};
  refuseUnknown(q, QAT_KEYS, 'qat.');
  const positiveInt = (name: string, v: unknown) => {
    if (v !== undefined && v !== null) integerAtLeast(`qat.${name}`, v, 1, 'a positive integer');
  };
  positiveInt('epochs', q['epochs']);
  positiveInt('batchSize', q['batchSize']);
  positiveInt('images', q['images']);
  if (given(q, 'learningRate') && !((q['learningRate'] as number) > 0)) {
    fail(`'qat.learningRate' must be > 0, got ${q['learningRate']}`, 'qat.learningRate');
  }
  if (given(q, 'teacherWeight')) {
    const w = q['teacherWeight'];
    if (!(typeof w === 'number' && w >= 0 && w <= 1)) {
      fail(`'qat.teacherWeight' must be in [0, 1], got ${w}`, 'qat.teacherWeight');
    }
  }
  if (given(q, 'seed')) integerAtLeast('qat.seed', q['seed'], 0, 'an integer >= 0');
  if (qatInput !== null && method !== 'qat') {
    fail(`'qat' settings need method 'qat', got method ${JSON.stringify(method)}`, 'qat');
  }
  // Settings the chosen method would silently ignore.
  const calibrationSettings = (['calibration', 'percentile', 'calibrationImages'] as const).filter((k) =>
    given(o, k),
  );
  if (method !== 'ptq' && calibrationSettings.length > 0) {
    fail(
      `${calibrationSettings.map((k) => `'${k}'`).join(', ')}: calibration settings apply to method 'ptq' only, got method '${method}'`,
      calibrationSettings[0]!,
    );
  }
  if (maxDrop !== null && (method === 'dynamic' || evalImages === 0)) {
    fail(
      `'maxDrop' needs method 'ptq' or 'qat' and evaluation images ('evalImages'), got method '${method}'${evalImages > 0 ? '' : ' and no evaluation images'}`,
      'maxDrop',
    );
  }
  if (method === 'dynamic' && onnxFormat === 'qoperator') {
    fail(
      "dynamic quantisation writes QDQ (int8 weights behind DequantizeLinear); 'onnxFormat' 'qoperator' needs method 'ptq' or 'qat'",
      'onnxFormat',
    );
  }
  const ptq = method === 'ptq';
  return {
    method: method as QuantizationMethod,
    calibration: ptq ? (calibration as CalibrationMethod) : null,
    percentile: ptq ? percentile : null,
    calibrationImages: ptq ? (calibrationImages as number) : null,
    evalImages,
    perTensor,
    maxDrop: maxDrop as number | null,
    keepFloat: [...(keepFloat as string[])],
    onnxFormat: onnxFormat as OnnxQuantFormat,
    latencyRuns,
    qat:
      method === 'qat'
        ? {
            images: (q['images'] as number | undefined) ?? d.qat.images,
            epochs: (q['epochs'] as number | undefined) ?? d.qat.epochs,
            batchSize: (q['batchSize'] as number | undefined) ?? d.qat.batchSize,
            learningRate: (q['learningRate'] as number | undefined) ?? d.qat.learningRate,
            seed: (q['seed'] as number | undefined) ?? d.qat.seed,
            teacherWeight: (q['teacherWeight'] as number | undefined) ?? d.qat.teacherWeight,
          }
        : null,
  };
}

/** Whether a quantize run needs images: calibration, fine-tuning or evaluation (not `dynamic` without evaluation). */
export function quantizeNeedsDataset(config: QuantizeConfig): boolean {
  return config.method !== 'dynamic' || config.evalImages > 0;
}
