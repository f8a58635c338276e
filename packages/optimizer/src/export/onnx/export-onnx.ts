/**
 * exportOnnx: the one-call path from a TF.js LayersModel to ONNX bytes: convert to the IR, drop
 * no-op nodes, fold BatchNorm, fuse ReLU/ReLU6, emit. Returns the bytes, the final IR and every
 * pass report.
 */

import type * as tf from '@tensorflow/tfjs';
import type { IrGraph } from '../../ir/types.js';
import { type ExportPassReports, type PrepareGraphOptions, prepareGraphForExport } from '../prepare-graph.js';
import { type EmitOnnxOptions, emitOnnx } from './emit-onnx.js';

/** Options of exportOnnx. */
export interface ExportOnnxOptions extends EmitOnnxOptions, PrepareGraphOptions {}

/** The result of exportOnnx. */
export interface OnnxExport {
  /** The serialised ONNX ModelProto. */
  readonly bytes: Uint8Array;
  /** The IR graph that was emitted (after the passes). */
  readonly graph: IrGraph;
  /** Reports of the passes that ran. */
  readonly passes: ExportPassReports;
}

/** Converts a TF.js LayersModel to ONNX (opset 13); the input is NHWC unless `inputLayout: 'NCHW'`. */
export function exportOnnx(model: tf.LayersModel, options: ExportOnnxOptions = {}): OnnxExport {
  const { graph, passes } = prepareGraphForExport(model, options);
  return { bytes: emitOnnx(graph, options), graph, passes };
}
