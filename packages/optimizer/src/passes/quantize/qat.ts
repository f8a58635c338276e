/**
 * Quantisation-aware training (QAT): fine-tunes a TF.js model whose Conv2D / DepthwiseConv2D / Dense
 * kernels are fake-quantised in the forward pass (fake-quant.ts, straight-through gradient), as
 * quantizeGraph will quantise them (per output channel, Dense per tensor), while the activation
 * ranges of every layer output are tracked as exponential moving averages of the batch min/max.
 * Those ranges replace calibration: `quantizeQatModel` runs quantizeGraph with them, and the result
 * goes to the existing emitters (emitOnnxQdq, emitTfliteInt8).
 *
 * The model is first put in its export form (prepareGraphForExport: BatchNorm folded, ReLU fused,
 * then rebuilt with toLayersModel), so the kernels trained under fake quantisation are the kernels
 * that get exported, and layer names are the IR tensor names the ranges are keyed by.
 */

import { ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { toLayersModel } from '../../convert/to-tfjs.js';
import { prepareGraphForExport } from '../../export/prepare-graph.js';
import type { IrPassResult } from '../pass-result.js';
import type { ActivationRanges } from './calibrate.js';
import { fakeQuantWeights } from './fake-quant.js';
import type { TensorRange } from './quant-math.js';
import { type QuantizeGraphOptions, type QuantizeGraphReport, quantizeGraph } from './quantize-graph.js';
import type { LabeledImages } from './quantize-package.js';

/** Options of quantizationAwareTraining. */
export interface QatOptions {
  /** Passes over the images. @default 1 */
  readonly epochs?: number;
  /** @default 32 */
  readonly batchSize?: number;
  /** Adam learning rate. @default 1e-4 */
  readonly learningRate?: number;
  /** Decay of the moving-average activation ranges. @default 0.99 */
  readonly rangeDecay?: number;
  /** Fake-quantise kernels per tensor (quantizeGraph's `perTensor`). @default false */
  readonly perTensor?: boolean;
  /** Seed of the batch order. @default 0 */
  readonly seed?: number;
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
}

/** Kernel attribute and output-channel count of a layer quantizeGraph quantises, else undefined. */
function kernelOf(
  layer: tf.layers.Layer,
  perTensor: boolean,
): { attr: string; channels: number } | undefined {
  const cls = layer.getClassName();
  if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D' && cls !== 'Dense') return undefined;
  const attr = cls === 'DepthwiseConv2D' ? 'depthwiseKernel' : 'kernel';
  const shape = (layer as unknown as Record<string, { shape: number[] }>)[attr]!.shape;
  const channels = perTensor || cls === 'Dense' ? 1 : shape[3]! * (cls === 'DepthwiseConv2D' ? shape[2]! : 1);
  return { attr, channels };
}

/** Runs `fn` with every Conv2D/DepthwiseConv2D/Dense kernel of `model` read through fakeQuantWeights. */
export function withFakeQuantWeights<T>(model: tf.LayersModel, perTensor: boolean, fn: () => T): T {
  const restore: (() => void)[] = [];
  try {
    for (const layer of model.layers) {
      const k = kernelOf(layer, perTensor);
      if (k === undefined) continue;
      const variable = (layer as unknown as Record<string, { read: () => tf.Tensor }>)[k.attr]!;
      const read = variable.read;
      variable.read = () => fakeQuantWeights(read.call(variable), k.channels);
      restore.push(() => {
        variable.read = read;
      });
    }
    return fn();
  } finally {
    for (const r of restore) r();
  }
}

function check(name: string, value: number, ok: boolean, what: string): void {
  if (!ok) throw new ConfigError(`'${name}' must be ${what}, got ${value}`);
}

/**
 * Fine-tunes the export form of `model` on labelled images (the model outputs probabilities) with
 * fake-quantised kernels; returns the trained model and the moving-average range of the input and
 * of every layer output, keyed by IR tensor name. `model` itself is not modified.
 */
export function quantizationAwareTraining(
  model: tf.LayersModel,
  data: LabeledImages,
  options: QatOptions = {},
): QatResult {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const learningRate = options.learningRate ?? 1e-4;
  const decay = options.rangeDecay ?? 0.99;
  const perTensor = options.perTensor ?? false;
  check('epochs', epochs, Number.isInteger(epochs) && epochs >= 1, 'an integer >= 1');
  check('batchSize', batchSize, Number.isInteger(batchSize) && batchSize >= 1, 'an integer >= 1');
  check('learningRate', learningRate, learningRate > 0, '> 0');
  check('rangeDecay', decay, decay >= 0 && decay < 1, 'in [0, 1)');
  const n = data.shape[0];
  check('images', n, n >= 1 && data.labels.length === n, 'at least one image with one label each');

  const qat = toLayersModel(prepareGraphForExport(model).graph);
  const inputName = qat.inputs[0]!.name.replace(/:\d+$/, '');
  const inputLayer = qat.layers.find((l) => l.getClassName() === 'InputLayer');
  const layers = qat.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const probe = tf.model({ inputs: qat.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  const outIndex = layers.indexOf(qat.getLayer(qat.outputNames[0]!));
  const names = [inputLayer?.name ?? inputName, ...layers.map((l) => l.name)];
  const ranges = new Map<string, { min: number; max: number }>();
  const classes = (qat.outputs[0]!.shape as number[]).at(-1)!;
  const variables = qat.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(learningRate);
  const pixels = data.x.length / n;
  let steps = 0;
  const epochLosses: number[] = [];
  let seed = (options.seed ?? 0) >>> 0;
  const random = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  try {
    withFakeQuantWeights(qat, perTensor, () => {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const order = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        let sum = 0;
        let batches = 0;
        for (let start = 0; start < n; start += batchSize) {
          const idx = order.slice(start, start + batchSize);
          const xb = new Float32Array(idx.length * pixels);
          for (const [r, k] of idx.entries())
            xb.set(data.x.subarray(k * pixels, (k + 1) * pixels), r * pixels);
          const yb = Int32Array.from(idx, (k) => data.labels[k]!);
          const cost = tf.tidy(() => {
            const x = tf.tensor(xb, [idx.length, ...data.shape.slice(1)]);
            const y = tf.oneHot(tf.tensor1d(yb, 'int32'), classes);
            return optimizer.minimize(
              () => {
                const outs = probe.apply(x, { training: true }) as tf.Tensor[];
                const stats = tf.stack([x, ...outs].flatMap((t) => [tf.min(t), tf.max(t)])).dataSync();
                names.forEach((name, t) => {
                  const batch = { min: stats[2 * t]!, max: stats[2 * t + 1]! };
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
                const probs = tf.clipByValue(outs[outIndex]!, 1e-7, 1);
                return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(probs)), -1))) as tf.Scalar;
              },
              true,
              variables,
            )!;
          });
          sum += (cost.dataSync()[0] ?? 0) * idx.length;
          batches += idx.length;
          cost.dispose();
          steps++;
        }
        epochLosses.push(sum / batches);
      }
    });
  } finally {
    optimizer.dispose();
  }
  const out: Record<string, TensorRange> = {};
  for (const [name, r] of ranges) out[name] = { min: r.min, max: r.max };
  return { model: qat, ranges: out, steps, perTensor, epochLosses };
}

/** Quantises a QAT result's model with its moving-average ranges (quantizeGraph; calibration replaced). */
export function quantizeQatModel(
  result: QatResult,
  options: Omit<QuantizeGraphOptions, 'mode' | 'perTensor'> = {},
): IrPassResult<QuantizeGraphReport> {
  const { graph } = prepareGraphForExport(result.model);
  return quantizeGraph(graph, result.ranges, { ...options, perTensor: result.perTensor, mode: 'static' });
}
