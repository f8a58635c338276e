/**
 * The vocabulary of int8 quantisation that the quantize pass, quantizeModelPackage and QAT share:
 * methods, ONNX forms, labelled images, and the report (sizes, accuracy per runtime, latency,
 * kernels, what the accuracy-aware search and the QAT fine-tuning did).
 */

import type { KernelCounts } from '../../export/onnx/ort-profile.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import type { AccuracyAwareReport } from './accuracy-aware.js';
import type { RuntimePlan } from './latency-plan.js';
import type { CalibrationMethod } from './range-estimators.js';

/**
 * Quantisation methods: static post-training (calibrated), quantisation-aware training (fine-tuned
 * with fake quantisation; its moving-average ranges replace calibration), dynamic (weights only).
 */
export type QuantizationMethod = 'ptq' | 'qat' | 'dynamic';
/** Every method. */
export const QUANTIZATION_METHODS: readonly QuantizationMethod[] = ['ptq', 'qat', 'dynamic'];

/**
 * Forms of the int8 ONNX file: QDQ (float operators between QuantizeLinear/DequantizeLinear, fused
 * into integer kernels by the runtime) or QOperator (the integer operators written directly).
 */
export type OnnxQuantFormat = 'qdq' | 'qoperator';
/** Every ONNX int8 format. */
export const ONNX_QUANT_FORMATS: readonly OnnxQuantFormat[] = ['qdq', 'qoperator'];

/** Images with their labels. */
export interface LabeledImages extends ParityImages {
  readonly labels: Int32Array;
}

/** What the QAT fine-tuning did (in the report). */
export interface QatReport {
  readonly images: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly teacherWeight: number;
  readonly steps: number;
  readonly epochLosses: readonly number[];
  readonly seconds: number;
  /** TF.js backend the fine-tuning ran on. */
  readonly backend: string;
}

/** One runtime's accuracies. */
export interface RuntimeAccuracy {
  readonly runtime: string;
  readonly float: number;
  readonly int8: number;
  /** Fraction of images with the same top-1 in float and int8. */
  readonly top1Agreement: number;
}

/** The quantisation report: the quantize pass's report (report.json), also under `quantization` in summary.json. */
export interface QuantizationReport {
  readonly method: QuantizationMethod;
  /** Range estimator of `ptq` (`qat` learns moving-average ranges; `dynamic` needs none). */
  readonly calibration: CalibrationMethod | 'qat-moving-average' | 'none';
  readonly calibrationImages: number;
  readonly perTensor: boolean;
  /** Form of model.int8.onnx. */
  readonly onnxFormat: OnnxQuantFormat;
  readonly int8Nodes: readonly string[];
  readonly floatNodes: readonly { readonly node: string; readonly reason: string }[];
  readonly files: readonly { path: string; floatBytes: number; int8Bytes: number; ratio: number }[];
  readonly evalImages: number;
  /** Top-1 float (the input model) vs int8, per runtime. */
  readonly accuracy: readonly RuntimeAccuracy[];
  readonly latencyMs: readonly { batch: number; float: number; int8: number; speedup: number }[];
  readonly kernels: { readonly float: KernelCounts; readonly int8: KernelCounts };
  readonly accuracyAware?: AccuracyAwareReport;
  readonly qat?: QatReport;
  /**
   * Latency-aware plans (`planFor`), one per runtime: the per-layer kernel times, the A/B intervals,
   * the file that runtime should load (`model.int8.onnx`, or `model.int8.<runtime>.onnx` with the
   * layers slower in int8 kept float) and that file's top-1 on the evaluation images in that runtime.
   */
  readonly plans?: readonly (RuntimePlan & { readonly file: string; readonly accuracy: number | null })[];
}
