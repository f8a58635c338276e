/**
 * The int8 quantize pass. The float graph (BN folded, ReLU fused) is quantised with activation
 * ranges from calibration on training images (`ptq`), or from quantisation-aware fine-tuning with
 * fake-quantised kernels and activations (`qat`: the fine-tuned graph is the one quantised, and its
 * float weights are the output's TF.js model), or weights only (`dynamic`, which needs no images
 * unless it evaluates). Optionally the most sensitive layers stay float (`maxDrop`). The output
 * package adds `model.int8.onnx` (QDQ, or QOperator with `onnxFormat: 'qoperator'`) and, for ptq and
 * qat, `model.int8.tflite` (full integer, float I/O), and summary.json with the report under
 * `quantization`; the input's other files come along (for qat, not its float model files, which hold
 * the weights before fine-tuning). The report: file sizes float vs int8, top-1 float (the input
 * model) vs int8 in onnxruntime-node, onnxruntime-web (wasm) and tfjs-tflite, top-1 agreement,
 * onnxruntime-node latency (median, batch 1 and 32), the ORT kernels that ran, and what the QAT
 * fine-tuning did. Images come from `ctx.dataset`, in the model's normalisation.
 */

import {
  ConfigError,
  type JsonObject,
  type MetricValue,
  type ModelFileInput,
  silentProgress,
} from '@edgeml/core';
import { type DataSplit, deserializeLayersModel, sampleBatch, serializeLayersModel } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { emitOnnx } from '../../export/onnx/emit-onnx.js';
import { emitOnnxQdq } from '../../export/onnx/emit-qdq.js';
import { emitOnnxQOperator } from '../../export/onnx/emit-qoperator.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import { prepareGraphForExport } from '../../export/prepare-graph.js';
import { emitTfliteInt8 } from '../../export/tflite/emit-int8.js';
import { emitTflite } from '../../export/tflite/emit-tflite.js';
import type { IrGraph, IrMetadata } from '../../ir/types.js';
import { definePass, type PassContext, type TransformResult } from '../../pipeline/pass.js';
import { PASS_REPORT_PATH, type PassPackage } from '../../pipeline/pass-package.js';
import type { IrPassResult } from '../pass-result.js';
import { type AccuracyAwareReport, quantizeWithinAccuracy } from './accuracy-aware.js';
import { type ActivationRanges, calibrate } from './calibrate.js';
import { compareAccuracy, compareSpeed } from './compare-float-int8.js';
import { measuredOn, planForRuntime, type RuntimePlan } from './latency-plan.js';
import { agreement, ortPredictions, ortWebPredictions } from './measure.js';
import { type QatResult, qatFloatGraph, quantizationAwareTraining, quantizeQatModel } from './qat.js';
import { type QuantizeConfig, quantizeNeedsDataset, validateQuantizeConfig } from './quantize-config.js';
import { type QuantizeGraphReport, quantizeGraph } from './quantize-graph.js';
import type { LabeledImages, QatReport, QuantizationReport } from './quantize-types.js';

/** One runtime's plan as reported: the file it chose and that file's top-1 there (null: not a new file, or no evaluation). */
type PlanReport = RuntimePlan & { readonly file: string; readonly accuracy: number | null };

/** The quantize pass's report: the QuantizationReport, as the plain JSON a pass report is. */
export type QuantizePassReport = QuantizationReport & JsonObject;

/** Where the int8 files go in the package. */
const INT8_ONNX_PATH = 'model.int8.onnx';
const INT8_TFLITE_PATH = 'model.int8.tflite';
/** The summary file the report is added to (under `quantization`). */
const SUMMARY_PATH = 'summary.json';

function labeled(batch: { x: Float32Array; shape: readonly number[]; y: Int32Array }): LabeledImages {
  return { x: batch.x, shape: batch.shape as LabeledImages['shape'], labels: batch.y };
}

async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const { modelJson, weights } = await serializeLayersModel(model);
  return deserializeLayersModel(modelJson, [weights]);
}

/** Throws a ConfigError for a `keepFloat` name the graph does not have. */
function checkKeepFloat(keepFloat: readonly string[], graph: IrGraph, model: string): void {
  for (const name of keepFloat) {
    if (!graph.nodes.some((n) => n.name === name)) {
      throw new ConfigError(
        `'keepFloat' names node '${name}', which model '${model}' does not have; its nodes: ${graph.nodes.map((n) => n.name).join(', ')}`,
        { node: name },
      );
    }
  }
}

/** QAT fine-tuning on `images` with the config's settings; returns the result and its report. */
async function fineTune(
  model: tf.LayersModel,
  images: LabeledImages,
  config: QuantizeConfig,
  ctx: PassContext,
): Promise<{ trained: QatResult; report: QatReport }> {
  const q = config.qat!;
  const started = performance.now();
  const trained = await quantizationAwareTraining(model, images, {
    epochs: q.epochs,
    batchSize: q.batchSize,
    learningRate: q.learningRate,
    teacherWeight: q.teacherWeight,
    perTensor: config.perTensor,
    keepFloat: config.keepFloat,
    seed: q.seed,
    ...(ctx.onProgress && { onProgress: ctx.onProgress }),
  });
  const report: QatReport = {
    images: images.shape[0],
    ...trained.settings,
    steps: trained.steps,
    epochLosses: trained.epochLosses,
    seconds: (performance.now() - started) / 1000,
    backend: tf.getBackend(),
  };
  return { trained, report };
}

/** The input's files the output keeps: not those the pass rewrites, nor (qat) the float model files of the old weights. */
function carriedFiles(
  input: PassPackage,
  config: QuantizeConfig,
  written: ReadonlySet<string>,
): ModelFileInput[] {
  const regenerated = new Set(['tfjs-layers', 'tfjs-graph', 'tfjs-weights', 'labels']);
  return (input.files ?? []).filter(
    (f) =>
      !written.has(f.path) &&
      !regenerated.has(f.format) &&
      // the int8 files of an earlier quantize run (plans for runtimes included) are rewritten here
      !/^model\.int8(\.[a-z0-9-]+)?\.(onnx|tflite)$/.test(f.path) &&
      f.path !== PASS_REPORT_PATH &&
      !(config.method === 'qat' && (f.role === 'model' || f.role === 'weights')),
  );
}

/** The input's summary.json as an object ({} when it has none). */
function inputSummary(input: PassPackage): JsonObject {
  const file = input.files?.find((f) => f.path === SUMMARY_PATH);
  if (file === undefined) return {};
  const text = typeof file.bytes === 'string' ? file.bytes : new TextDecoder().decode(file.bytes);
  return JSON.parse(text) as JsonObject;
}

async function transform(
  input: PassPackage,
  config: QuantizeConfig,
  ctx: PassContext,
): Promise<TransformResult<QuantizePassReport>> {
  const onProgress = ctx.onProgress ?? silentProgress;
  const { manifest, model } = input;
  const { method, perTensor, onnxFormat, keepFloat } = config;
  const split = (name: 'train' | 'test'): DataSplit => ctx.dataset!.split(name);
  const metadata: IrMetadata = {
    labels: manifest.labels,
    preprocessing: manifest.preprocessing as unknown as Record<string, unknown>,
    props: { name: manifest.name },
  };
  const { graph } = prepareGraphForExport(model, { metadata });
  checkKeepFloat(keepFloat, graph, manifest.name);
  const floatOnnx = emitOnnx(graph);
  onProgress({ phase: 'calibrate', current: 0, total: 1 });
  const calibImages: ParityImages | undefined =
    method === 'ptq' ? await sampleBatch(split('train'), config.calibrationImages!, 0) : undefined;
  const evalImages =
    config.evalImages > 0 ? labeled(await sampleBatch(split('test'), config.evalImages, 0)) : undefined;

  // The graph that gets quantised: the float graph, or (qat) the fine-tuned one with its learned ranges.
  let toQuantize = graph;
  let ranges: ActivationRanges | undefined;
  let qat: { trained: QatResult; report: QatReport; images: LabeledImages } | undefined;
  if (method === 'qat') {
    const q = config.qat!;
    const images = labeled(await sampleBatch(split('train'), q.images ?? Number.POSITIVE_INFINITY, q.seed));
    qat = { ...(await fineTune(model, images, config, ctx)), images };
    toQuantize = qatFloatGraph(qat.trained, metadata);
    ranges = qat.trained.ranges;
  } else if (calibImages) {
    ranges = await calibrate(graph, calibImages, {
      method: config.calibration!,
      percentile: config.percentile!,
    });
  }
  onProgress({ phase: 'quantize', current: 0, total: 1 });
  const mode = method === 'dynamic' ? 'dynamic' : 'static';
  let accuracyAware: AccuracyAwareReport | undefined;
  let quantized: IrPassResult<QuantizeGraphReport>;
  if (config.maxDrop !== null && mode === 'static' && evalImages) {
    const r = await quantizeWithinAccuracy(
      toQuantize,
      floatOnnx,
      ranges!,
      evalImages,
      evalImages.labels,
      config.maxDrop,
      { perTensor, keepFloat },
    );
    accuracyAware = r.accuracyAware;
    quantized = r;
  } else if (qat) quantized = quantizeQatModel(qat.trained, { keepFloat, metadata });
  else quantized = quantizeGraph(graph, ranges, { mode, perTensor, keepFloat });

  const emitInt8Onnx = onnxFormat === 'qoperator' ? emitOnnxQOperator : emitOnnxQdq;
  const int8Onnx = emitInt8Onnx(quantized.graph);
  const floatTflite = mode === 'static' ? emitTflite(graph) : undefined;
  const int8Tflite = mode === 'static' ? emitTfliteInt8(quantized.graph) : undefined;
  const mixed = quantized.report.floatNodes.some(
    (f) => f.node !== graph.nodes.at(-1)?.name || mode === 'dynamic',
  );
  const precision = mode === 'static' && !mixed ? 'int8' : 'mixed';
  const int8Files: ModelFileInput[] = [
    { path: INT8_ONNX_PATH, bytes: int8Onnx, format: 'onnx', precision, role: 'model', inputLayout: 'NHWC' },
  ];
  const sizes = [{ path: INT8_ONNX_PATH, floatBytes: floatOnnx.byteLength, int8Bytes: int8Onnx.byteLength }];
  if (int8Tflite && floatTflite) {
    int8Files.push({ path: INT8_TFLITE_PATH, bytes: int8Tflite, format: 'tflite', precision, role: 'model' });
    sizes.push({
      path: INT8_TFLITE_PATH,
      floatBytes: floatTflite.byteLength,
      int8Bytes: int8Tflite.byteLength,
    });
  }

  // Latency-aware plans: one model.int8.<runtime>.onnx per runtime where keeping layers float pays.
  const plans: PlanReport[] = [];
  const planProbe = evalImages ?? calibImages ?? qat?.images;
  if (config.planFor.length > 0 && mode === 'static' && planProbe) {
    const [, h, w, c] = planProbe.shape;
    const measured = measuredOn({ x: planProbe.x.slice(0, h * w * c), shape: [1, h, w, c] });
    const keptFloat = accuracyAware?.keptFloat ?? keepFloat;
    const computeOps = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);
    const int8Layers = toQuantize.nodes
      .filter((n) => computeOps.has(n.op) && quantized.report.int8Nodes.includes(n.name))
      .map((n) => n.name);
    const weightBytes = Object.fromEntries(
      int8Layers.map((name) => {
        const w = toQuantize.tensors[toQuantize.nodes.find((n) => n.name === name)!.inputs[1]!]!;
        return [name, 4 * w.shape.reduce((a, b) => a * b, 1)];
      }),
    );
    const build = (keep: readonly string[]) =>
      emitInt8Onnx(
        (qat
          ? quantizeQatModel(qat.trained, { keepFloat: keep, metadata })
          : quantizeGraph(toQuantize, ranges, { mode, perTensor, keepFloat: keep })
        ).graph,
      );
    for (const [i, runtime] of config.planFor.entries()) {
      onProgress({ phase: 'plan', current: i, total: config.planFor.length, message: runtime });
      const { plan, bytes } = await planForRuntime({
        runtime,
        floatOnnx,
        int8Onnx,
        int8Layers,
        keptFloat,
        build,
        weightBytes,
        outputs: Object.fromEntries(toQuantize.nodes.map((n) => [n.name, n.outputs[0]!])),
        ...measured,
      });
      let file: string | null = null;
      let planAccuracy: number | null = null;
      if (plan.chosen === 'plan') {
        file = `model.int8.${runtime}.onnx`;
        int8Files.push({
          path: file,
          bytes,
          format: 'onnx',
          precision: 'mixed',
          role: 'model',
          inputLayout: 'NHWC',
          runtimes: [runtime],
        });
        sizes.push({ path: file, floatBytes: floatOnnx.byteLength, int8Bytes: bytes.byteLength });
        if (evalImages) {
          const predict = runtime === 'ort-web' ? ortWebPredictions : ortPredictions;
          planAccuracy = agreement(await predict(bytes, evalImages), evalImages.labels);
        }
      }
      plans.push({ ...plan, file: file ?? INT8_ONNX_PATH, accuracy: planAccuracy });
    }
    onProgress({ phase: 'plan', current: config.planFor.length, total: config.planFor.length });
  }

  const files = { floatOnnx, int8Onnx, ...(floatTflite && int8Tflite && { floatTflite, int8Tflite }) };
  const accuracy = evalImages ? await compareAccuracy(files, evalImages, onProgress) : [];
  const probe = evalImages ?? calibImages ?? qat?.images;
  const speed = probe
    ? await compareSpeed(files, probe, config.latencyRuns, onProgress)
    : { kernels: { float: {}, int8: {} }, latencyMs: [] };
  const report: QuantizationReport = {
    method,
    calibration: method === 'ptq' ? config.calibration! : method === 'qat' ? 'qat-moving-average' : 'none',
    calibrationImages: calibImages?.shape[0] ?? 0,
    perTensor,
    onnxFormat,
    int8Nodes: quantized.report.int8Nodes,
    floatNodes: quantized.report.floatNodes,
    files: sizes.map((s) => ({ ...s, ratio: s.floatBytes / s.int8Bytes })),
    evalImages: evalImages?.shape[0] ?? 0,
    accuracy,
    ...speed,
    ...(accuracyAware ? { accuracyAware } : {}),
    ...(qat ? { qat: qat.report } : {}),
    ...(plans.length > 0 ? { plans } : {}),
  };
  const json = JSON.parse(JSON.stringify(report)) as QuantizePassReport;

  // The float model of the output: the input's (a copy), or the fine-tuned one, measured here.
  let metrics: Readonly<Record<string, MetricValue>> = manifest.metrics;
  if (qat) {
    metrics = {};
    if (evalImages) {
      const top1 = await ortPredictions(emitOnnx(toQuantize), evalImages);
      const value = agreement(top1, evalImages.labels);
      metrics = { test_accuracy: { value, split: 'test', samples: evalImages.labels.length } };
    }
  }
  const summary = { ...inputSummary(input), quantization: json };
  const summaryFile: ModelFileInput = {
    path: SUMMARY_PATH,
    bytes: `${JSON.stringify(summary, null, 2)}\n`,
    format: 'json',
    role: 'metadata',
  };
  const written = new Set([...int8Files.map((f) => f.path), SUMMARY_PATH]);
  return {
    model: qat ? qat.trained.model : await cloneModel(model),
    report: json,
    metrics,
    files: [...carriedFiles(input, config, written), ...int8Files, summaryFile],
  };
}

/**
 * The int8 quantize pass (`ptq` | `qat` | `dynamic`; config keys and defaults: QuantizeConfig). Needs
 * `ctx.dataset` unless the method is `dynamic` without evaluation images.
 */
export const quantizePass = definePass<QuantizeConfig, QuantizePassReport>({
  name: 'quantize',
  version: 1,
  description:
    'int8 quantisation (PTQ with calibration, QAT or dynamic): ONNX and TFLite int8 files, measured',
  needsDataset: quantizeNeedsDataset,
  validate: validateQuantizeConfig,
  transform,
});
