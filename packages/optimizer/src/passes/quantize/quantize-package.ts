/**
 * quantizeModelPackage: int8 quantisation of a trained model package. The float graph (BN folded,
 * ReLU fused) is quantised with activation ranges from calibration on training images (`ptq`), or
 * from quantisation-aware fine-tuning with fake-quantised kernels and activations (`qat`: the
 * fine-tuned graph is the one quantised), or weights only (`dynamic`). Optionally the most
 * sensitive layers stay float (`maxDrop`). Writes `model.int8.onnx` (QDQ, or QOperator with
 * `onnxFormat: 'qoperator'`) and, for ptq and qat,
 * `model.int8.tflite` (full integer, float I/O) into a model package, and reports in summary.json:
 * file sizes float vs int8, top-1 accuracy float vs int8 in onnxruntime-node, onnxruntime-web (wasm)
 * and tfjs-tflite, top-1 agreement, onnxruntime-node latency (median, batch 1 and 32), the ORT
 * kernels that ran, and what the QAT fine-tuning did.
 */

import {
  ConfigError,
  createLineageStep,
  formatAllowed,
  type JsonObject,
  type ModelFileInput,
  type ModelManifest,
  type ProgressCallback,
  silentProgress,
} from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  type Dataset,
  datasetForModel,
  type LoadDatasetOptions,
  loadModelDataset,
  loadTrainedPackage,
  type ModelDataset,
  sampleBatch,
} from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { emitOnnx } from '../../export/onnx/emit-onnx.js';
import { emitOnnxQdq } from '../../export/onnx/emit-qdq.js';
import { emitOnnxQOperator } from '../../export/onnx/emit-qoperator.js';
import { type KernelCounts, profileOnnxKernels } from '../../export/onnx/ort-profile.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import { readSourceSummary, writeDerivedPackage } from '../../export/package/derive-package.js';
import { prepareGraphForExport } from '../../export/prepare-graph.js';
import { emitTfliteInt8 } from '../../export/tflite/emit-int8.js';
import { emitTflite } from '../../export/tflite/emit-tflite.js';
import type { IrMetadata } from '../../ir/types.js';
import { type AccuracyAwareReport, quantizeWithinAccuracy } from './accuracy-aware.js';
import { type ActivationRanges, calibrate } from './calibrate.js';
import { agreement, ortLatencyMs, ortPredictions, ortWebPredictions, tflitePredictions } from './measure.js';
import { quantizationAwareTraining } from './qat.js';
import { quantizeGraph } from './quantize-graph.js';
import { type CalibrationMethod, parseCalibrationMethod } from './range-estimators.js';

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

/** Options of the `qat` method. */
export interface QatPackageOptions {
  /** Fine-tuning images: a count drawn from the training split, or the images. @default the whole training split */
  readonly images?: number | LabeledImages;
  /** @default 1 */
  readonly epochs?: number;
  /** @default 64 (QatOptions) */
  readonly batchSize?: number;
  /** Adam learning rate. @default 1e-5 (QatOptions) */
  readonly learningRate?: number;
  /** Seed of the image sample and batch order. @default 0 */
  readonly seed?: number;
  /** Weight of the float model's predictions in the targets (self-distillation). @default 0.5 (QatOptions) */
  readonly teacherWeight?: number;
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

/** Images with their labels. */
export interface LabeledImages extends ParityImages {
  readonly labels: Int32Array;
}

/** Options of quantizeModelPackage. */
export interface QuantizePackageOptions {
  /** @default 'ptq' */
  readonly method?: QuantizationMethod;
  /** Range estimator. @default 'minmax' */
  readonly calibration?: CalibrationMethod;
  /** Percentile of `percentile` calibration. @default 99.99 */
  readonly percentile?: number;
  /** Calibration images: a count drawn from the training split, or the images. @default 512 */
  readonly calibrationImages?: number | ParityImages;
  /** Evaluation images: a count from the test split (0 = no evaluation), or labelled images. @default 0 */
  readonly evalImages?: number | LabeledImages;
  /** Per-tensor weight scales instead of per output channel. @default false */
  readonly perTensor?: boolean;
  /** Accuracy-aware: largest top-1 drop in points before layers fall back to float (needs evalImages). */
  readonly maxDrop?: number;
  /**
   * Nodes (IR names, as listed in the report's `int8Nodes`) to keep in float: e.g. a large Dense
   * layer for onnxruntime-web, whose WebAssembly int8 GEMM repacks the weights on every run.
   */
  readonly keepFloat?: readonly string[];
  /** Form of model.int8.onnx. @default 'qdq' */
  readonly onnxFormat?: OnnxQuantFormat;
  /** Timed onnxruntime-node runs per latency (0 = skip). @default 200 */
  readonly latencyRuns?: number;
  /**
   * Data to draw images from: loadDataset options, or a data set already loaded. Either is checked
   * against the model (classes, input shape). @default the data set recorded in the manifest (`data`)
   */
  readonly dataset?: LoadDatasetOptions | Dataset;
  /** Quantisation-aware training settings (method `qat`). */
  readonly qat?: QatPackageOptions;
  readonly toolVersion: string;
  readonly onProgress?: ProgressCallback;
}

/** One runtime's accuracies. */
export interface RuntimeAccuracy {
  readonly runtime: string;
  readonly float: number;
  readonly int8: number;
  /** Fraction of images with the same top-1 in float and int8. */
  readonly top1Agreement: number;
}

/** The quantisation report stored under `quantization` in summary.json. */
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
  readonly accuracy: readonly RuntimeAccuracy[];
  readonly latencyMs: readonly { batch: number; float: number; int8: number; speedup: number }[];
  readonly kernels: { readonly float: KernelCounts; readonly int8: KernelCounts };
  readonly accuracyAware?: AccuracyAwareReport;
  readonly qat?: QatReport;
}

/** What quantizeModelPackage wrote. */
export interface QuantizePackageResult {
  readonly outDir: string;
  readonly manifest: ModelManifest;
  readonly report: QuantizationReport;
}

function checkOptions(options: QuantizePackageOptions): void {
  const method = options.method ?? 'ptq';
  if (!(QUANTIZATION_METHODS as readonly string[]).includes(method)) {
    throw new ConfigError(
      `'method' must be ${formatAllowed(QUANTIZATION_METHODS)}, got ${JSON.stringify(method)}`,
    );
  }
  parseCalibrationMethod(options.calibration ?? 'minmax');
  const format = options.onnxFormat ?? 'qdq';
  if (!(ONNX_QUANT_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(
      `'onnxFormat' must be ${formatAllowed(ONNX_QUANT_FORMATS)}, got ${JSON.stringify(format)}`,
    );
  }
  const n = options.calibrationImages ?? 512;
  if (typeof n === 'number' && !(Number.isInteger(n) && n >= 1)) {
    throw new ConfigError(`'calibrationImages' must be a positive integer, got ${n}`);
  }
  const q = options.qat ?? {};
  const positiveInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new ConfigError(`'qat.${name}' must be a positive integer, got ${v}`);
    }
  };
  positiveInt('epochs', q.epochs);
  positiveInt('batchSize', q.batchSize);
  if (typeof q.images === 'number') positiveInt('images', q.images);
  if (q.learningRate !== undefined && !(q.learningRate > 0)) {
    throw new ConfigError(`'qat.learningRate' must be > 0, got ${q.learningRate}`);
  }
  if (q.teacherWeight !== undefined && !(q.teacherWeight >= 0 && q.teacherWeight <= 1)) {
    throw new ConfigError(`'qat.teacherWeight' must be in [0, 1], got ${q.teacherWeight}`);
  }
  if (options.qat !== undefined && method !== 'qat') {
    throw new ConfigError(`'qat' settings need method 'qat', got method ${JSON.stringify(method)}`);
  }
  if (options.maxDrop !== undefined && !(options.maxDrop >= 0)) {
    throw new ConfigError(`'maxDrop' must be >= 0 (points of top-1 accuracy), got ${options.maxDrop}`);
  }
  // Settings the chosen method would silently ignore.
  const calibrationSettings = (['calibration', 'percentile', 'calibrationImages'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (method !== 'ptq' && calibrationSettings.length > 0) {
    throw new ConfigError(
      `${calibrationSettings.map((k) => `'${k}'`).join(', ')}: calibration settings apply to method 'ptq' only, got method '${method}'`,
    );
  }
  if (
    options.maxDrop !== undefined &&
    (method === 'dynamic' || options.evalImages === undefined || options.evalImages === 0)
  ) {
    throw new ConfigError(
      `'maxDrop' needs method 'ptq' or 'qat' and evaluation images ('evalImages'), got method '${method}'${options.evalImages ? '' : ' and no evaluation images'}`,
    );
  }
  if (method === 'dynamic' && format === 'qoperator') {
    throw new ConfigError(
      "dynamic quantisation writes QDQ (int8 weights behind DequantizeLinear); 'onnxFormat' 'qoperator' needs method 'ptq' or 'qat'",
    );
  }
}

/** The model's data: `given` (options or a loaded data set) or the manifest's own reference, checked. */
function modelDataset(
  manifest: ModelManifest,
  given: LoadDatasetOptions | Dataset | undefined,
): Promise<ModelDataset> {
  if (given !== undefined && 'split' in given) {
    return Promise.resolve(datasetForModel(given, { name: given.info.name }, manifest));
  }
  return loadModelDataset(manifest, given);
}

/** Quantises the model package in `sourceDir` into `outDir` (which may be `sourceDir`). */
export async function quantizeModelPackage(
  sourceDir: string,
  outDir: string,
  options: QuantizePackageOptions,
): Promise<QuantizePackageResult> {
  checkOptions(options);
  const method = options.method ?? 'ptq';
  const calibration = options.calibration ?? 'minmax';
  const perTensor = options.perTensor ?? false;
  const onnxFormat = options.onnxFormat ?? 'qdq';
  const onProgress = options.onProgress ?? silentProgress;
  const started = performance.now();
  const { manifest, manifestSha256, model } = await loadTrainedPackage(sourceDir);
  const needsData =
    (method === 'ptq' && typeof (options.calibrationImages ?? 512) === 'number') ||
    (method === 'qat' && typeof options.qat?.images !== 'object') ||
    (typeof options.evalImages === 'number' && options.evalImages > 0);
  const data = needsData ? await modelDataset(manifest, options.dataset) : undefined;
  const split = (name: 'train' | 'test') => data!.split(name);

  const metadata: IrMetadata = {
    labels: manifest.labels,
    preprocessing: manifest.preprocessing as unknown as Record<string, unknown>,
    props: { name: manifest.name },
  };
  const { graph } = prepareGraphForExport(model, { metadata });
  for (const name of options.keepFloat ?? []) {
    if (!graph.nodes.some((n) => n.name === name)) {
      throw new ConfigError(
        `'keepFloat' names node '${name}', which model '${manifest.name}' does not have; its nodes: ${graph.nodes.map((n) => n.name).join(', ')}`,
        { node: name },
      );
    }
  }
  const floatOnnx = emitOnnx(graph);
  onProgress({ phase: 'calibrate', current: 0, total: 1 });
  let calibImages: ParityImages | undefined;
  if (method === 'ptq') {
    const c = options.calibrationImages ?? 512;
    calibImages = typeof c === 'number' ? await sampleBatch(split('train'), c, 0) : c;
  }
  let evalImages: LabeledImages | undefined;
  if (typeof options.evalImages === 'number' && options.evalImages > 0) {
    const b = await sampleBatch(split('test'), options.evalImages, 0);
    evalImages = { x: b.x, shape: b.shape, labels: b.y };
  } else if (typeof options.evalImages === 'object') evalImages = options.evalImages;

  // The graph that gets quantised: the float graph, or (qat) the fine-tuned one with its learned ranges.
  let toQuantize = graph;
  let ranges: ActivationRanges | undefined;
  let qatReport: QatReport | undefined;
  let qatImages: LabeledImages | undefined;
  if (method === 'qat') {
    const q = options.qat ?? {};
    let images: LabeledImages;
    if (typeof q.images === 'object') images = q.images;
    else {
      const b = await sampleBatch(split('train'), q.images ?? Number.POSITIVE_INFINITY, q.seed ?? 0);
      images = { x: b.x, shape: b.shape, labels: b.y };
    }
    qatImages = images;
    const t0 = performance.now();
    const trained = await quantizationAwareTraining(model, images, {
      epochs: q.epochs,
      batchSize: q.batchSize,
      learningRate: q.learningRate,
      teacherWeight: q.teacherWeight,
      perTensor,
      keepFloat: options.keepFloat ?? [],
      seed: q.seed ?? 0,
      onProgress,
    });
    toQuantize = prepareGraphForExport(trained.model, { metadata }).graph;
    trained.model.dispose();
    ranges = trained.ranges;
    qatReport = {
      images: images.shape[0],
      ...trained.settings,
      steps: trained.steps,
      epochLosses: trained.epochLosses,
      seconds: (performance.now() - t0) / 1000,
      backend: tf.getBackend(),
    };
  } else if (calibImages) {
    ranges = await calibrate(graph, calibImages, {
      method: calibration,
      ...(options.percentile ? { percentile: options.percentile } : {}),
    });
  }
  onProgress({ phase: 'quantize', current: 0, total: 1 });
  const mode = method === 'dynamic' ? 'dynamic' : 'static';
  const keepFloat = options.keepFloat ?? [];
  let accuracyAware: AccuracyAwareReport | undefined;
  let quantized: ReturnType<typeof quantizeGraph>;
  if (options.maxDrop !== undefined && mode === 'static' && evalImages) {
    const r = await quantizeWithinAccuracy(
      toQuantize,
      floatOnnx,
      ranges!,
      evalImages,
      evalImages.labels,
      options.maxDrop,
      { perTensor, keepFloat },
    );
    accuracyAware = r.accuracyAware;
    quantized = r;
  } else quantized = quantizeGraph(toQuantize, ranges, { mode, perTensor, keepFloat });

  const int8Onnx = (onnxFormat === 'qoperator' ? emitOnnxQOperator : emitOnnxQdq)(quantized.graph);
  const floatTflite = mode === 'static' ? emitTflite(graph) : undefined;
  const int8Tflite = mode === 'static' ? emitTfliteInt8(quantized.graph) : undefined;
  const mixed = quantized.report.floatNodes.some(
    (f) => f.node !== graph.nodes.at(-1)?.name || mode === 'dynamic',
  );
  const precision = mode === 'static' && !mixed ? 'int8' : 'mixed';
  const files: ModelFileInput[] = [
    {
      path: 'model.int8.onnx',
      bytes: int8Onnx,
      format: 'onnx',
      precision,
      role: 'model',
      inputLayout: 'NHWC',
    },
  ];
  const sizes = [
    { path: 'model.int8.onnx', floatBytes: floatOnnx.byteLength, int8Bytes: int8Onnx.byteLength },
  ];
  if (int8Tflite && floatTflite) {
    files.push({ path: 'model.int8.tflite', bytes: int8Tflite, format: 'tflite', precision, role: 'model' });
    sizes.push({
      path: 'model.int8.tflite',
      floatBytes: floatTflite.byteLength,
      int8Bytes: int8Tflite.byteLength,
    });
  }

  const accuracy: RuntimeAccuracy[] = [];
  if (evalImages) {
    const acc = (top1: Int32Array) => agreement(top1, evalImages.labels);
    const runtimes: [
      string,
      (bytes: Uint8Array, images: ParityImages) => Promise<Int32Array>,
      Uint8Array,
      Uint8Array,
    ][] = [
      ['onnxruntime-node', ortPredictions, floatOnnx, int8Onnx],
      ['onnxruntime-web (wasm)', ortWebPredictions, floatOnnx, int8Onnx],
    ];
    if (floatTflite && int8Tflite) runtimes.push(['tfjs-tflite', tflitePredictions, floatTflite, int8Tflite]);
    for (const [i, [runtime, predict, floatBytes, int8Bytes]] of runtimes.entries()) {
      onProgress({ phase: 'evaluate', current: i, total: runtimes.length, message: runtime });
      const float = await predict(floatBytes, evalImages);
      const int8 = await predict(int8Bytes, evalImages);
      accuracy.push({ runtime, float: acc(float), int8: acc(int8), top1Agreement: agreement(float, int8) });
    }
    onProgress({ phase: 'evaluate', current: runtimes.length, total: runtimes.length });
  }
  const probe = evalImages ?? calibImages ?? qatImages;
  const latencyMs: QuantizationReport['latencyMs'][number][] = [];
  const runs = options.latencyRuns ?? 200;
  let kernels: QuantizationReport['kernels'] = { float: {}, int8: {} };
  if (probe) {
    onProgress({ phase: 'latency', current: 0, total: 2 });
    const [, h, w, c] = probe.shape;
    const one = { name: 'input', x: probe.x.subarray(0, h * w * c), shape: [1, h, w, c] };
    kernels = {
      float: await profileOnnxKernels(floatOnnx, one),
      int8: await profileOnnxKernels(int8Onnx, one),
    };
    for (const batch of runs > 0 ? [1, 32] : []) {
      const float = await ortLatencyMs(floatOnnx, probe, batch, runs);
      const int8 = await ortLatencyMs(int8Onnx, probe, batch, runs);
      latencyMs.push({ batch, float, int8, speedup: float / int8 });
    }
  }
  const report: QuantizationReport = {
    method,
    calibration: method === 'ptq' ? calibration : method === 'qat' ? 'qat-moving-average' : 'none',
    calibrationImages: calibImages?.shape[0] ?? 0,
    perTensor,
    onnxFormat,
    int8Nodes: quantized.report.int8Nodes,
    floatNodes: quantized.report.floatNodes,
    files: sizes.map((s) => ({ ...s, ratio: s.floatBytes / s.int8Bytes })),
    evalImages: evalImages?.shape[0] ?? 0,
    accuracy,
    latencyMs,
    kernels,
    ...(accuracyAware ? { accuracyAware } : {}),
    ...(qatReport ? { qat: qatReport } : {}),
  };

  const source = await readModelPackageDir(sourceDir, { verify: false });
  const previous = await readSourceSummary(source, manifest);
  const summary = { ...previous, quantization: JSON.parse(JSON.stringify(report)) as JsonObject };
  const lineage = createLineageStep({
    kind: 'command',
    name: 'quantize',
    config: {
      method,
      calibration: report.calibration,
      calibrationImages: report.calibrationImages,
      ...(qatReport
        ? {
            qat: {
              images: qatReport.images,
              epochs: qatReport.epochs,
              batchSize: qatReport.batchSize,
              learningRate: qatReport.learningRate,
              teacherWeight: qatReport.teacherWeight,
            },
          }
        : {}),
      perTensor,
      onnxFormat,
      ...(options.maxDrop !== undefined ? { maxDrop: options.maxDrop } : {}),
      ...(keepFloat.length > 0 ? { keepFloat: [...keepFloat] } : {}),
    },
    inputs: [{ name: manifest.name, sha256: manifestSha256, kind: 'manifest' }],
    outputs: files.map((f) => f.path),
    toolVersion: options.toolVersion,
    durationMs: Math.round(performance.now() - started),
  });
  const written = await writeDerivedPackage(outDir, { source, manifest, files, summary, lineage });
  return { outDir, manifest: written, report };
}
