/**
 * Calibration: runs the float graph on calibration images and collects, for the graph input and
 * every node output, a histogram of the values (histogram.ts); a range estimator (minmax,
 * percentile, entropy) then turns each into the range its int8 parameters cover.
 *
 * Two engines run the graph: `onnxruntime` (default) emits the float graph to ONNX with every
 * intermediate value added as a graph output and runs it in onnxruntime-node (fast: 512
 * cnn-small images in about a second); `interpreter` runs the reference interpreter (slow, no
 * native code; for small graphs and tests). Ranges do not depend on layout, so ONNX's NCHW values
 * are histogrammed as they are.
 */

import { ConfigError } from '@edgeml/core';
import { emitOnnx } from '../../export/onnx/emit-onnx.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import { onnx } from '../../export/onnx/proto.js';
import { interpretGraph } from '../../ir/interpret.js';
import type { IrGraph } from '../../ir/types.js';
import { ValueHistogram } from './histogram.js';
import type { TensorRange } from './quant-math.js';
import { type CalibrationMethod, estimateRange, type RangeEstimatorOptions } from './range-estimators.js';

/** Engine that runs the float graph during calibration. */
export type CalibrationEngine = 'onnxruntime' | 'interpreter';

/** Options of collectHistograms / calibrate. */
export interface CollectOptions {
  /** @default 'onnxruntime' */
  readonly engine?: CalibrationEngine;
  /** Images per forward pass. @default 64 */
  readonly batchSize?: number;
  /** Bins per histogram. @default 2048 */
  readonly bins?: number;
}

/** Options of calibrate. */
export interface CalibrateOptions extends CollectOptions, RangeEstimatorOptions {
  /** Range estimator. @default 'minmax' */
  readonly method?: CalibrationMethod;
}

/** Ranges of every activation tensor (graph input and node outputs), by IR tensor name. */
export type ActivationRanges = Readonly<Record<string, TensorRange>>;

/** The activation tensors calibration observes: the graph inputs and every node output. */
export function activationTensors(graph: IrGraph): string[] {
  return [...graph.inputs, ...graph.nodes.flatMap((n) => n.outputs)];
}

function checkImages(images: ParityImages): void {
  if (images.shape[0] < 1 || images.x.length === 0) {
    throw new ConfigError('calibration needs at least one image, got 0');
  }
}

/** ONNX value name of each IR tensor as emitOnnx names it (NHWC input layout). */
function onnxValueNames(graph: IrGraph): Map<string, string> {
  const publicOutputs = graph.outputs.map((name, i) => (i === 0 ? 'probs' : name));
  const reserved = new Set(['input', ...publicOutputs]);
  const names = new Map<string, string>();
  for (const name of activationTensors(graph)) {
    const out = graph.outputs.indexOf(name);
    if (graph.inputs.includes(name)) continue; // histogrammed from the images themselves
    if (out >= 0 && graph.tensors[name]!.shape.length !== 4) names.set(name, publicOutputs[out]!);
    else names.set(name, reserved.has(name) ? `${name}__value` : name);
  }
  return names;
}

async function collectWithOnnxruntime(
  graph: IrGraph,
  images: ParityImages,
  histograms: Map<string, ValueHistogram>,
  batchSize: number,
): Promise<void> {
  const names = onnxValueNames(graph);
  const model = onnx.ModelProto.decode(emitOnnx(graph));
  const existing = new Set(model.graph!.output!.map((o) => o.name));
  for (const value of names.values()) {
    if (existing.has(value)) continue;
    model.graph!.output!.push({
      name: value,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
    });
  }
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    graphOptimizationLevel: 'disabled',
  });
  try {
    const [n, ...sample] = images.shape as readonly number[];
    const per = sample.reduce((a, b) => a * b, 1);
    for (let start = 0; start < n!; start += batchSize) {
      const count = Math.min(batchSize, n! - start);
      const x = images.x.subarray(start * per, (start + count) * per);
      histograms.get(graph.inputs[0]!)!.add(x);
      const result = await session.run({ input: new ort.Tensor('float32', x, [count, ...sample]) });
      for (const [ir, value] of names) histograms.get(ir)!.add(result[value]!.data as Float32Array);
    }
  } finally {
    await session.release();
  }
}

function collectWithInterpreter(
  graph: IrGraph,
  images: ParityImages,
  histograms: Map<string, ValueHistogram>,
  batchSize: number,
): void {
  const everything: IrGraph = { ...graph, outputs: activationTensors(graph) };
  const [n, ...sample] = images.shape as readonly number[];
  const per = sample.reduce((a, b) => a * b, 1);
  for (let start = 0; start < n!; start += batchSize) {
    const count = Math.min(batchSize, n! - start);
    const x = images.x.subarray(start * per, (start + count) * per);
    const values = interpretGraph(everything, { [graph.inputs[0]!]: { data: x, shape: [count, ...sample] } });
    for (const [name, value] of Object.entries(values)) histograms.get(name)!.add(value.data);
  }
}

/** Runs `graph` on `images` (any rank, batch first) and returns a histogram per activation tensor. */
export async function collectHistograms(
  graph: IrGraph,
  images: ParityImages,
  options: CollectOptions = {},
): Promise<Map<string, ValueHistogram>> {
  checkImages(images);
  if (graph.inputs.length !== 1) {
    throw new ConfigError(
      `calibration supports one graph input, graph '${graph.name}' has ${graph.inputs.length}`,
    );
  }
  const batchSize = options.batchSize ?? 64;
  const histograms = new Map<string, ValueHistogram>();
  for (const name of activationTensors(graph)) histograms.set(name, new ValueHistogram(options.bins));
  if ((options.engine ?? 'onnxruntime') === 'onnxruntime') {
    await collectWithOnnxruntime(graph, images, histograms, batchSize);
  } else {
    collectWithInterpreter(graph, images, histograms, batchSize);
  }
  return histograms;
}

/** The range of every histogram under `method`. */
export function rangesFromHistograms(
  histograms: ReadonlyMap<string, ValueHistogram>,
  method: CalibrationMethod,
  options: RangeEstimatorOptions = {},
): ActivationRanges {
  const ranges: Record<string, TensorRange> = {};
  for (const [name, h] of histograms) ranges[name] = estimateRange(h, method, options);
  return ranges;
}

/** Runs the float graph on `images` and returns each activation tensor's range under `method`. */
export async function calibrate(
  graph: IrGraph,
  images: ParityImages,
  options: CalibrateOptions = {},
): Promise<ActivationRanges> {
  const histograms = await collectHistograms(graph, images, options);
  return rangesFromHistograms(histograms, options.method ?? 'minmax', options);
}
