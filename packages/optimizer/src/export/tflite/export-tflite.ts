/**
 * exportTflite: the one-call path from a TF.js LayersModel to `.tflite` bytes, the same passes as
 * exportOnnx (convert to the IR, drop no-op nodes, fold BatchNorm, fuse ReLU/ReLU6), then emit.
 * Returns the bytes, the final IR and every pass report.
 */

import type * as tf from '@tensorflow/tfjs';
import { fromLayersModel } from '../../convert/from-tfjs.js';
import type { IrGraph, IrMetadata } from '../../ir/types.js';
import { type DropIdentitiesReport, dropIdentities } from '../../passes/drop-identities/drop-identities.js';
import { type FoldBatchNormReport, foldBatchNorm } from '../../passes/fold-bn/fold-batch-norm.js';
import {
  type FuseActivationsReport,
  fuseActivations,
} from '../../passes/fuse-activations/fuse-activations.js';
import { type EmitTfliteOptions, emitTflite } from './emit-tflite.js';

/** Options of exportTflite. */
export interface ExportTfliteOptions extends EmitTfliteOptions {
  /** Labels, preprocessing and extra properties written into the `edgeml` metadata buffer. */
  readonly metadata?: IrMetadata;
  /** Fold BatchNorm into the preceding conv/dense. @default true */
  readonly foldBatchNorm?: boolean;
  /** Fuse ReLU/ReLU6 into the preceding conv/dense (TFLite `fused_activation_function`). @default true */
  readonly fuseActivations?: boolean;
}

/** The result of exportTflite. */
export interface TfliteExport {
  /** The `.tflite` flatbuffer. */
  readonly bytes: Uint8Array;
  /** The IR graph that was emitted (after the passes). */
  readonly graph: IrGraph;
  /** Reports of the passes that ran. */
  readonly passes: {
    readonly dropIdentities: DropIdentitiesReport;
    readonly foldBatchNorm?: FoldBatchNormReport;
    readonly fuseActivations?: FuseActivationsReport;
  };
}

/** Converts a TF.js LayersModel to a float32 TFLite model (NHWC input `input`, output `probs`). */
export function exportTflite(model: tf.LayersModel, options: ExportTfliteOptions = {}): TfliteExport {
  const imported = fromLayersModel(model, options.metadata ? { metadata: options.metadata } : {});
  const dropped = dropIdentities(imported);
  let graph = dropped.graph;
  let foldReport: FoldBatchNormReport | undefined;
  let fuseReport: FuseActivationsReport | undefined;
  if (options.foldBatchNorm ?? true) {
    const folded = foldBatchNorm(graph);
    graph = folded.graph;
    foldReport = folded.report;
  }
  if (options.fuseActivations ?? true) {
    const fused = fuseActivations(graph);
    graph = fused.graph;
    fuseReport = fused.report;
  }
  return {
    bytes: emitTflite(graph, options),
    graph,
    passes: {
      dropIdentities: dropped.report,
      ...(foldReport ? { foldBatchNorm: foldReport } : {}),
      ...(fuseReport ? { fuseActivations: fuseReport } : {}),
    },
  };
}
