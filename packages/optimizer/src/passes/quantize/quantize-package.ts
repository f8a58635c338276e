/**
 * quantizeModelPackage: post-training int8 quantisation of a trained model package. Calibrates the
 * float graph (BN folded, ReLU fused) on training images, quantises it (static PTQ, or dynamic:
 * int8 weights only), optionally keeps the most sensitive layers float (`maxDrop`), writes
 * `model.int8.onnx` (QDQ) and, for PTQ, `model.int8.tflite` (full integer, float I/O) into a
 * model package, and reports in summary.json: file sizes float vs int8, top-1 accuracy float vs
 * int8 in onnxruntime-node and tfjs-tflite, top-1 agreement, onnxruntime-node latency (median,
 * batch 1 and 32) and the ORT kernels that ran.
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
import { loadDataset, loadTrainedPackage, renormalizeSplit, sampleBatch } from '@edgeml/trainer';
import { emitOnnx } from '../../export/onnx/emit-onnx.js';
import { emitOnnxQdq } from '../../export/onnx/emit-qdq.js';
import { type KernelCounts, profileOnnxKernels } from '../../export/onnx/ort-profile.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import { readSourceSummary, writeDerivedPackage } from '../../export/package/derive-package.js';
import { prepareGraphForExport } from '../../export/prepare-graph.js';
import { emitTfliteInt8 } from '../../export/tflite/emit-int8.js';
import { emitTflite } from '../../export/tflite/emit-tflite.js';
import type { IrMetadata } from '../../ir/types.js';
import { type AccuracyAwareReport, quantizeWithinAccuracy } from './accuracy-aware.js';
import { calibrate } from './calibrate.js';
import { agreement, ortLatencyMs, ortPredictions, tflitePredictions } from './measure.js';
import { quantizeGraph } from './quantize-graph.js';
import { type CalibrationMethod, parseCalibrationMethod } from './range-estimators.js';

/** Post-training quantisation methods. */
export type QuantizationMethod = 'ptq' | 'dynamic';
/** Every method. */
export const QUANTIZATION_METHODS: readonly QuantizationMethod[] = ['ptq', 'dynamic'];

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
  /** Timed onnxruntime-node runs per latency (0 = skip). @default 200 */
  readonly latencyRuns?: number;
  /** Data set to draw images from. @default the one in the manifest's training record */
  readonly dataset?: string;
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
  readonly calibration: CalibrationMethod;
  readonly calibrationImages: number;
  readonly perTensor: boolean;
  readonly int8Nodes: readonly string[];
  readonly floatNodes: readonly { readonly node: string; readonly reason: string }[];
  readonly files: readonly { path: string; floatBytes: number; int8Bytes: number; ratio: number }[];
  readonly evalImages: number;
  readonly accuracy: readonly RuntimeAccuracy[];
  readonly latencyMs: readonly { batch: number; float: number; int8: number; speedup: number }[];
  readonly kernels: { readonly float: KernelCounts; readonly int8: KernelCounts };
  readonly accuracyAware?: AccuracyAwareReport;
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
  const n = options.calibrationImages ?? 512;
  if (typeof n === 'number' && !(Number.isInteger(n) && n >= 1)) {
    throw new ConfigError(`'calibrationImages' must be a positive integer, got ${n}`);
  }
  if (options.maxDrop !== undefined && !(options.maxDrop >= 0)) {
    throw new ConfigError(`'maxDrop' must be >= 0 (points of top-1 accuracy), got ${options.maxDrop}`);
  }
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
  const onProgress = options.onProgress ?? silentProgress;
  const started = performance.now();
  const { manifest, manifestSha256, model } = await loadTrainedPackage(sourceDir);
  const datasetName = options.dataset ?? manifest.training?.dataset;
  const needsData =
    (method === 'ptq' && typeof (options.calibrationImages ?? 512) === 'number') ||
    (typeof options.evalImages === 'number' && options.evalImages > 0);
  if (needsData && datasetName === undefined) {
    throw new ConfigError(
      `model package '${sourceDir}' records no training data set to calibrate on; pass 'dataset' or the images`,
      { model: sourceDir },
    );
  }
  const dataset = needsData ? await loadDataset({ name: datasetName as never }) : undefined;
  const split = (name: 'train' | 'test') =>
    renormalizeSplit(dataset!.split(name), dataset!.info.normalization, manifest.preprocessing);

  const metadata: IrMetadata = {
    labels: manifest.labels,
    preprocessing: manifest.preprocessing as unknown as Record<string, unknown>,
    props: { name: manifest.name },
  };
  const { graph } = prepareGraphForExport(model, { metadata });
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

  const ranges = calibImages
    ? await calibrate(graph, calibImages, {
        method: calibration,
        ...(options.percentile ? { percentile: options.percentile } : {}),
      })
    : undefined;
  onProgress({ phase: 'quantize', current: 0, total: 1 });
  const mode = method === 'ptq' ? 'static' : 'dynamic';
  let accuracyAware: AccuracyAwareReport | undefined;
  let quantized: ReturnType<typeof quantizeGraph>;
  if (options.maxDrop !== undefined && method === 'ptq' && evalImages) {
    const r = await quantizeWithinAccuracy(
      graph,
      floatOnnx,
      ranges!,
      evalImages,
      evalImages.labels,
      options.maxDrop,
      { perTensor },
    );
    accuracyAware = r.accuracyAware;
    quantized = r;
  } else quantized = quantizeGraph(graph, ranges, { mode, perTensor });

  const int8Onnx = emitOnnxQdq(quantized.graph);
  const floatTflite = method === 'ptq' ? emitTflite(graph) : undefined;
  const int8Tflite = method === 'ptq' ? emitTfliteInt8(quantized.graph) : undefined;
  const mixed = quantized.report.floatNodes.some(
    (f) => f.node !== graph.nodes.at(-1)?.name || method !== 'ptq',
  );
  const precision = method === 'ptq' && !mixed ? 'int8' : 'mixed';
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
    onProgress({ phase: 'evaluate', current: 0, total: 2 });
    const acc = (top1: Int32Array) => agreement(top1, evalImages.labels);
    const ortFloat = await ortPredictions(floatOnnx, evalImages);
    const ortInt8 = await ortPredictions(int8Onnx, evalImages);
    accuracy.push({
      runtime: 'onnxruntime-node',
      float: acc(ortFloat),
      int8: acc(ortInt8),
      top1Agreement: agreement(ortFloat, ortInt8),
    });
    if (floatTflite && int8Tflite) {
      const tfFloat = await tflitePredictions(floatTflite, evalImages);
      const tfInt8 = await tflitePredictions(int8Tflite, evalImages);
      accuracy.push({
        runtime: 'tfjs-tflite',
        float: acc(tfFloat),
        int8: acc(tfInt8),
        top1Agreement: agreement(tfFloat, tfInt8),
      });
    }
  }
  const probe = evalImages ?? calibImages;
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
    calibration,
    calibrationImages: calibImages?.shape[0] ?? 0,
    perTensor,
    int8Nodes: quantized.report.int8Nodes,
    floatNodes: quantized.report.floatNodes,
    files: sizes.map((s) => ({ ...s, ratio: s.floatBytes / s.int8Bytes })),
    evalImages: evalImages?.shape[0] ?? 0,
    accuracy,
    latencyMs,
    kernels,
    ...(accuracyAware ? { accuracyAware } : {}),
  };

  const source = await readModelPackageDir(sourceDir, { verify: false });
  const previous = await readSourceSummary(source, manifest);
  const summary = { ...previous, quantization: JSON.parse(JSON.stringify(report)) as JsonObject };
  const lineage = createLineageStep({
    kind: 'command',
    name: 'quantize',
    config: {
      method,
      calibration,
      calibrationImages: report.calibrationImages,
      perTensor,
      ...(options.maxDrop !== undefined ? { maxDrop: options.maxDrop } : {}),
    },
    inputs: [{ name: manifest.name, sha256: manifestSha256, kind: 'manifest' }],
    outputs: files.map((f) => f.path),
    toolVersion: options.toolVersion,
    durationMs: Math.round(performance.now() - started),
  });
  const written = await writeDerivedPackage(outDir, { source, manifest, files, summary, lineage });
  return { outDir, manifest: written, report };
}
