/**
 * Quantisation-aware training (QAT): fine-tunes a TF.js model as its int8 form will compute. The
 * Conv2D / DepthwiseConv2D / Dense kernels are fake-quantised in the forward pass (fake-quant.ts,
 * straight-through gradient) as quantizeGraph will quantise them (per output channel, Dense per
 * tensor); the input and every activation that gets its own int8 parameters are fake-quantised with
 * the parameters quantizeGraph derives from their moving-average ranges (exponential moving averages
 * of the batch min/max, measured before fake quantisation). The targets mix the labels with the float
 * model's predictions (`teacherWeight`, self-distillation). The learned ranges replace calibration:
 * `quantizeQatModel` runs quantizeGraph with them, and the result goes to the existing emitters
 * (emitOnnxQdq, emitTfliteInt8).
 *
 * The model is first put in its export form (prepareGraphForExport: BatchNorm folded, ReLU fused,
 * then rebuilt with toLayersModel), so the kernels trained under fake quantisation are the kernels
 * that get exported, and layer names are the IR tensor names the ranges are keyed by.
 */

import { ConfigError, type ProgressCallback, SeededRandom, silentProgress } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { toLayersModel } from '../../convert/to-tfjs.js';
import { prepareGraphForExport } from '../../export/prepare-graph.js';
import type { IrGraph, IrMetadata } from '../../ir/types.js';
import type { IrPassResult } from '../pass-result.js';
import type { ActivationRanges } from './calibrate.js';
import { fakeQuant, fakeQuantWeights } from './fake-quant.js';
import { activationParams, INT8_MAX, INT8_MIN, type TensorRange } from './quant-math.js';
import {
  type QuantizeGraphOptions,
  type QuantizeGraphReport,
  quantizeGraph,
  weightScaleCount,
} from './quantize-graph.js';
import type { LabeledImages } from './quantize-types.js';

/** Options of quantizationAwareTraining. */
export interface QatOptions {
  /** Passes over the images. @default 1 */
  readonly epochs?: number;
  /** @default 64 */
  readonly batchSize?: number;
  /** Adam learning rate (the float model has converged: keep it small). @default 1e-5 */
  readonly learningRate?: number;
  /** Decay of the moving-average activation ranges. @default 0.99 */
  readonly rangeDecay?: number;
  /** Fake-quantise kernels per tensor (quantizeGraph's `perTensor`). @default false */
  readonly perTensor?: boolean;
  /** Seed of the batch order. @default 0 */
  readonly seed?: number;
  /** Fake-quantise activations too (not only kernels). @default true */
  readonly activations?: boolean;
  /**
   * Weight in [0, 1] of the float model's own predictions in the targets (self-distillation): the
   * loss is the cross-entropy against `(1 - w) * onehot(label) + w * floatModel(x)`, which keeps the
   * int8 model's top-1 close to the float model's, not only to the labels. @default 0.5
   */
  readonly teacherWeight?: number;
  /** Nodes quantizeGraph will keep float (their kernels are not fake-quantised). */
  readonly keepFloat?: readonly string[];
  readonly onProgress?: ProgressCallback;
}

/** A QAT-fine-tuned model (export form) with its moving-average activation ranges. */
export interface QatResult {
  readonly model: tf.LayersModel;
  readonly ranges: ActivationRanges;
  readonly steps: number;
  /** Whether kernels were fake-quantised per tensor (quantizeQatModel quantises them the same way). */
  readonly perTensor: boolean;
  /** Mean cross-entropy of each epoch. */
  readonly epochLosses: readonly number[];
  /** The settings the fine-tuning ran with (defaults filled in). */
  readonly settings: {
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    readonly teacherWeight: number;
  };
}

/** Fused activations quantizeGraph quantises a conv/dense with (others keep the layer float). */
const INT8_ACTIVATIONS = new Set(['linear', 'relu', 'relu6']);

/**
 * Kernel attribute and weight-scale count of a layer whose kernel quantizeGraph quantises, else
 * undefined (not a conv/dense, a fused activation with no int8 form, or kept float on request).
 */
function kernelOf(
  layer: tf.layers.Layer,
  perTensor: boolean,
  keepFloat: ReadonlySet<string>,
): { attr: string; channels: number } | undefined {
  const op = layer.getClassName();
  if (op !== 'Conv2D' && op !== 'DepthwiseConv2D' && op !== 'Dense') return undefined;
  const activation = String((layer.getConfig() as { activation?: unknown }).activation ?? 'linear');
  if (keepFloat.has(layer.name) || !INT8_ACTIVATIONS.has(activation)) return undefined;
  const attr = op === 'DepthwiseConv2D' ? 'depthwiseKernel' : 'kernel';
  const shape = (layer as unknown as Record<string, { shape: number[] }>)[attr]!.shape;
  return { attr, channels: weightScaleCount(op, shape, perTensor) };
}

/** Reads every Conv2D/DepthwiseConv2D/Dense kernel of `model` through fakeQuantWeights until the returned restore runs. */
function patchKernelReads(
  model: tf.LayersModel,
  perTensor: boolean,
  keepFloat: ReadonlySet<string> = new Set(),
): () => void {
  const restore: (() => void)[] = [];
  for (const layer of model.layers) {
    const k = kernelOf(layer, perTensor, keepFloat);
    if (k === undefined) continue;
    const variable = (layer as unknown as Record<string, { read: () => tf.Tensor }>)[k.attr]!;
    const read = variable.read;
    variable.read = () => fakeQuantWeights(read.call(variable), k.channels);
    restore.push(() => {
      variable.read = read;
    });
  }
  return () => {
    for (const r of restore) r();
  };
}

/** Runs `fn` with every Conv2D/DepthwiseConv2D/Dense kernel of `model` read through fakeQuantWeights. */
export function withFakeQuantWeights<T>(model: tf.LayersModel, perTensor: boolean, fn: () => T): T {
  const restore = patchKernelReads(model, perTensor);
  try {
    return fn();
  } finally {
    restore();
  }
}

function check(name: string, value: number, ok: boolean, what: string): void {
  if (!ok) throw new ConfigError(`'${name}' must be ${what}, got ${value}`);
}

/** Fake-quantises an activation with the int8 parameters quantizeGraph derives from `range`. */
function fakeQuantActivation(t: tf.Tensor, range: TensorRange): tf.Tensor {
  const q = activationParams(range);
  return fakeQuant(t, q.scale[0]!, q.zeroPoint[0]!, INT8_MIN, INT8_MAX);
}

/** Layer classes whose int8 output reuses its input's parameters (quantizeGraph's SAME_PARAMS). */
const SAME_PARAMS = new Set([
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
]);
/** Of those, the ones whose output leaves the input's grid (an average), so it is rounded back to it. */
const AVERAGES = new Set(['AveragePooling2D', 'GlobalAveragePooling2D']);

/** The layer whose output feeds `layer` (its first inbound layer). */
function inboundLayer(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
  return nodes[0]?.inboundLayers[0];
}

/**
 * The tensor (layer name) whose range gives `layer`'s output its int8 parameters in quantizeGraph,
 * or undefined when the output needs no fake quantisation: float outputs (softmax), values already on
 * their input's grid (max pool, Flatten, Reshape), and an Add read only by its split-off ReLU.
 * Average pools are rounded to their input's grid, so they get the input's parameters.
 */
function quantParamsOf(layer: tf.layers.Layer): string | undefined {
  const cls = layer.getClassName();
  if (SAME_PARAMS.has(cls)) {
    if (!AVERAGES.has(cls)) return undefined;
    let source = inboundLayer(layer);
    while (source && SAME_PARAMS.has(source.getClassName())) source = inboundLayer(source);
    return source?.name;
  }
  // An Add read only by a ReLU/ReLU6 layer (its fused activation, which TF.js merge layers cannot
  // hold: toLayersModel splits it off) is never materialised in int8: only the activation's output is.
  const readers = (layer as unknown as { outboundNodes: { outboundLayer: tf.layers.Layer }[] }).outboundNodes;
  if (cls === 'Add' && readers.length === 1 && readers[0]!.outboundLayer.getClassName() === 'ReLU') {
    return undefined;
  }
  // Softmax: float output (its int8 form has fixed parameters).
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  return cls === 'Softmax' || (cls === 'Activation' && activation === 'softmax') ? undefined : layer.name;
}

type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** The IR tensor name of a model's input (its InputLayer's name). */
function inputNameOf(model: tf.LayersModel): string {
  const layer = model.layers.find((l) => l.getClassName() === 'InputLayer');
  return layer?.name ?? model.inputs[0]!.name.replace(/:\d+$/, '');
}

/** Replaces the `call` of every non-input layer of `model` by `wrap(layer, call)` until the returned restore runs. */
function patchLayerCalls(
  model: tf.LayersModel,
  wrap: (layer: tf.layers.Layer, call: CallFn) => CallFn,
): () => void {
  const restore: (() => void)[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const patched = layer as unknown as { call: CallFn };
    const call = patched.call.bind(layer);
    const original = patched.call;
    patched.call = wrap(layer, call);
    restore.push(() => {
      patched.call = original;
    });
  }
  return () => {
    for (const r of restore) r();
  };
}

/**
 * Runs `fn` with `model` (a QAT result's model) computing as its int8 form will: kernels
 * fake-quantised, and the input and every activation with its own parameters fake-quantised with
 * the parameters of `ranges`. Feed it input through the returned `quantizeInput`.
 */
export function withFakeQuant<T>(
  model: tf.LayersModel,
  ranges: ActivationRanges,
  perTensor: boolean,
  fn: (quantizeInput: (x: tf.Tensor) => tf.Tensor) => T,
): T {
  const fq = (name: string, t: tf.Tensor) => {
    const range = ranges[name];
    return range === undefined ? t : fakeQuantActivation(t, range);
  };
  const restore = patchLayerCalls(model, (layer, call) => {
    const params = quantParamsOf(layer);
    return (inputs, kwargs) => {
      const out = call(inputs, kwargs);
      return Array.isArray(out) || params === undefined ? out : fq(params, out);
    };
  });
  const inputName = inputNameOf(model);
  try {
    return withFakeQuantWeights(model, perTensor, () => fn((x) => fq(inputName, x)));
  } finally {
    restore();
  }
}

/**
 * Fine-tunes the export form of `model` on labelled images (the model outputs probabilities) as it
 * will run in int8: kernels fake-quantised per channel (Dense per tensor), and the input and every
 * activation that gets its own int8 parameters (conv/dense/add/activation outputs; pools, Flatten and
 * Reshape reuse their input's) fake-quantised with the parameters quantizeGraph derives from the
 * moving-average range (from the second step on; the first step only measures). Ranges track the
 * values before fake quantisation, so they can grow. Returns the trained model and the range of the
 * input and of every layer output, keyed by IR tensor name. `model` itself is not modified.
 */
export async function quantizationAwareTraining(
  model: tf.LayersModel,
  data: LabeledImages,
  options: QatOptions = {},
): Promise<QatResult> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 64;
  const learningRate = options.learningRate ?? 1e-5;
  const decay = options.rangeDecay ?? 0.99;
  const perTensor = options.perTensor ?? false;
  const quantizeActivations = options.activations ?? true;
  const teacherWeight = options.teacherWeight ?? 0.5;
  const onProgress = options.onProgress ?? silentProgress;
  check('epochs', epochs, Number.isInteger(epochs) && epochs >= 1, 'an integer >= 1');
  check('batchSize', batchSize, Number.isInteger(batchSize) && batchSize >= 1, 'an integer >= 1');
  check('learningRate', learningRate, learningRate > 0, '> 0');
  check('rangeDecay', decay, decay >= 0 && decay < 1, 'in [0, 1)');
  check('teacherWeight', teacherWeight, teacherWeight >= 0 && teacherWeight <= 1, 'in [0, 1]');
  const n = data.shape[0];
  check('images', n, n >= 1 && data.labels.length === n, 'at least one image with one label each');

  const qat = toLayersModel(prepareGraphForExport(model).graph);
  const inputName = inputNameOf(qat);
  const ranges = new Map<string, { min: number; max: number }>();
  const classes = (qat.outputs[0]!.shape as number[]).at(-1)!;
  const variables = qat.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(learningRate);
  const pixels = data.x.length / n;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  let steps = 0;
  const epochLosses: number[] = [];
  const random = new SeededRandom(options.seed ?? 0);
  // Batch min/max of each observed tensor, kept out of the step's tidy and read once per step.
  const observed: { name: string; stats: tf.Tensor }[] = [];
  // Records the batch range of `name`, then fake-quantises with the moving-average range of `params`.
  const observe = (name: string, raw: tf.Tensor, params: string | undefined): tf.Tensor => {
    observed.push({ name, stats: tf.keep(tf.stack([tf.min(raw), tf.max(raw)])) });
    const range = params === undefined ? undefined : ranges.get(params);
    return !quantizeActivations || range === undefined ? raw : fakeQuantActivation(raw, range);
  };
  const restore = patchLayerCalls(qat, (layer, call) => {
    const params = quantParamsOf(layer);
    return (inputs, kwargs) => {
      const out = call(inputs, kwargs);
      return Array.isArray(out) ? out : observe(layer.name, out, params);
    };
  });
  const started = performance.now();
  const restoreKernels = patchKernelReads(qat, perTensor, new Set(options.keepFloat ?? []));
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = random.shuffle(Int32Array.from({ length: n }, (_, i) => i));
      let sum = 0;
      let samples = 0;
      for (let start = 0; start < n; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const xb = new Float32Array(idx.length * pixels);
        for (const [r, k] of idx.entries()) xb.set(data.x.subarray(k * pixels, (k + 1) * pixels), r * pixels);
        const yb = Int32Array.from(idx, (k) => data.labels[k]!);
        const cost = tf.tidy(() => {
          const x = tf.tensor(xb, [idx.length, ...data.shape.slice(1)]);
          const onehot = tf.oneHot(tf.tensor1d(yb, 'int32'), classes).toFloat();
          const y =
            teacherWeight > 0
              ? tf.add(
                  tf.mul(onehot, 1 - teacherWeight),
                  tf.mul(model.predict(x) as tf.Tensor, teacherWeight),
                )
              : onehot;
          return optimizer.minimize(
            () => {
              // Inference mode: the export form has no Dropout, and an unfolded BatchNorm must use (and
              // keep) its moving statistics, as the exported graph does.
              const probs = qat.apply(observe(inputName, x, inputName), { training: false }) as tf.Tensor;
              const clipped = tf.clipByValue(probs, 1e-7, 1);
              return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(clipped)), -1))) as tf.Scalar;
            },
            true,
            variables,
          )!;
        });
        // One read per step: every observed min/max, then the loss.
        const readback = tf.tidy(() =>
          tf.concat([tf.stack(observed.map((o) => o.stats)).reshape([-1]), cost.reshape([1])]),
        );
        const stats = await readback.data();
        readback.dispose();
        observed.forEach(({ name, stats: t }, i) => {
          t.dispose();
          const batch = { min: stats[2 * i]!, max: stats[2 * i + 1]! };
          const prev = ranges.get(name);
          ranges.set(
            name,
            prev === undefined
              ? batch
              : {
                  min: decay * prev.min + (1 - decay) * batch.min,
                  max: decay * prev.max + (1 - decay) * batch.max,
                },
          );
        });
        const loss = stats[2 * observed.length]!;
        observed.length = 0;
        sum += loss * idx.length;
        samples += idx.length;
        cost.dispose();
        steps++;
        const seconds = (performance.now() - started) / 1000;
        onProgress({
          phase: 'qat',
          current: steps,
          total: epochs * stepsPerEpoch,
          message: `epoch ${epoch + 1}/${epochs} loss ${(sum / samples).toFixed(4)}`,
          metrics: { loss: sum / samples, samplesPerSecond: (epoch * n + samples) / seconds },
        });
      }
      epochLosses.push(sum / samples);
    }
  } finally {
    restoreKernels();
    restore();
    for (const o of observed) o.stats.dispose();
    optimizer.dispose();
  }
  const out: Record<string, TensorRange> = {};
  for (const [name, r] of ranges) out[name] = { min: r.min, max: r.max };
  return {
    model: qat,
    ranges: out,
    steps,
    perTensor,
    epochLosses,
    settings: { epochs, batchSize, learningRate, teacherWeight },
  };
}

/** The float graph of a QAT result's model, as quantizeQatModel quantises it (with `metadata` for the emitters). */
export function qatFloatGraph(result: QatResult, metadata?: IrMetadata): IrGraph {
  return prepareGraphForExport(result.model, metadata === undefined ? {} : { metadata }).graph;
}

/** Options of quantizeQatModel: quantizeGraph's (its mode and per-tensor setting come from the QAT run). */
export interface QuantizeQatOptions extends Omit<QuantizeGraphOptions, 'mode' | 'perTensor'> {
  /** Labels, preprocessing and properties the emitters write into the files. */
  readonly metadata?: IrMetadata;
}

/** Quantises a QAT result's model with its moving-average ranges (quantizeGraph; calibration replaced). */
export function quantizeQatModel(
  result: QatResult,
  options: QuantizeQatOptions = {},
): IrPassResult<QuantizeGraphReport> {
  const { metadata, ...graphOptions } = options;
  return quantizeGraph(qatFloatGraph(result, metadata), result.ranges, {
    ...graphOptions,
    perTensor: result.perTensor,
    mode: 'static',
  });
}
