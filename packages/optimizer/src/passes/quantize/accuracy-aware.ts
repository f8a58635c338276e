/**
 * Accuracy-aware fallback: when the int8 model loses more than `maxDrop` points of top-1 accuracy
 * against the float one (both in onnxruntime-node on the evaluation images), measure each int8
 * conv/dense layer's sensitivity (the accuracy regained when that one layer alone is kept float),
 * then keep the most sensitive layers float, one at a time, until the drop is within `maxDrop`.
 */

import { emitOnnxQdq } from '../../export/onnx/emit-qdq.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import type { IrGraph } from '../../ir/types.js';
import type { IrPassResult } from '../pass-result.js';
import type { ActivationRanges } from './calibrate.js';
import { ortPredictions } from './measure.js';
import { type QuantizeGraphOptions, type QuantizeGraphReport, quantizeGraph } from './quantize-graph.js';

/** One layer's sensitivity: int8 accuracy with that layer alone kept float. */
export interface LayerSensitivity {
  readonly node: string;
  readonly accuracyWithLayerFloat: number;
}

/** What the accuracy-aware search did. */
export interface AccuracyAwareReport {
  readonly floatAccuracy: number;
  readonly int8Accuracy: number;
  readonly maxDrop: number;
  readonly sensitivity: readonly LayerSensitivity[];
  /** Layers kept float, most sensitive first. */
  readonly keptFloat: readonly string[];
  /** Accuracy of the final (possibly mixed) model. */
  readonly finalAccuracy: number;
}

function accuracy(top1: Int32Array, labels: Int32Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (top1[i] === labels[i]) right++;
  return right / labels.length;
}

/** Quantises `graph`, keeping the most sensitive layers float until the accuracy drop is <= maxDrop points. */
export async function quantizeWithinAccuracy(
  graph: IrGraph,
  floatOnnx: Uint8Array,
  ranges: ActivationRanges,
  images: ParityImages,
  labels: Int32Array,
  maxDrop: number,
  options: QuantizeGraphOptions = {},
): Promise<IrPassResult<QuantizeGraphReport> & { accuracyAware: AccuracyAwareReport }> {
  const evaluate = async (keepFloat: readonly string[]) => {
    const q = quantizeGraph(graph, ranges, { ...options, keepFloat });
    return { q, acc: accuracy(await ortPredictions(emitOnnxQdq(q.graph), images), labels) };
  };
  const floatAccuracy = accuracy(await ortPredictions(floatOnnx, images), labels);
  const first = await evaluate(options.keepFloat ?? []);
  let current = first;
  const keptFloat: string[] = [...(options.keepFloat ?? [])];
  const sensitivity: LayerSensitivity[] = [];
  if ((floatAccuracy - first.acc) * 100 > maxDrop) {
    const candidates = graph.nodes
      .filter((n) => n.op === 'Conv2D' || n.op === 'DepthwiseConv2D' || n.op === 'Dense')
      .filter((n) => first.q.report.int8Nodes.includes(n.name));
    for (const node of candidates) {
      const { acc } = await evaluate([...keptFloat, node.name]);
      sensitivity.push({ node: node.name, accuracyWithLayerFloat: acc });
    }
    const ranked = [...sensitivity].sort((a, b) => b.accuracyWithLayerFloat - a.accuracyWithLayerFloat);
    for (const { node } of ranked) {
      if ((floatAccuracy - current.acc) * 100 <= maxDrop) break;
      keptFloat.push(node);
      current = await evaluate(keptFloat);
    }
  }
  return {
    ...current.q,
    accuracyAware: {
      floatAccuracy,
      int8Accuracy: first.acc,
      maxDrop,
      sensitivity,
      keptFloat,
      finalAccuracy: current.acc,
    },
  };
}
