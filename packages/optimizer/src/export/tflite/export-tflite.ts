/**
 * exportTflite: the one-call path from a TF.js LayersModel to `.tflite` bytes, the same passes as
 * exportOnnx (convert to the IR, drop no-op nodes, fold BatchNorm, fuse ReLU/ReLU6), then emit.
 * Returns the bytes, the final IR and every pass report.
 */

import type * as tf from '@tensorflow/tfjs';
import type { IrGraph } from '../../ir/types.js';
import { type ExportPassReports, type PrepareGraphOptions, prepareGraphForExport } from '../prepare-graph.js';
import { type EmitTfliteOptions, emitTflite } from './emit-tflite.js';

/** Options of exportTflite. */
export interface ExportTfliteOptions extends EmitTfliteOptions, PrepareGraphOptions {}

/** The result of exportTflite. */
export interface TfliteExport {
  /** The `.tflite` flatbuffer. */
  readonly bytes: Uint8Array;
  /** The IR graph that was emitted (after the passes). */
  readonly graph: IrGraph;
  /** Reports of the passes that ran. */
  readonly passes: ExportPassReports;
}

/** Converts a TF.js LayersModel to a float32 TFLite model (NHWC input `input`, output `probs`). */
export function exportTflite(model: tf.LayersModel, options: ExportTfliteOptions = {}): TfliteExport {
  const { graph, passes } = prepareGraphForExport(model, options);
  return { bytes: emitTflite(graph, options), graph, passes };
}
