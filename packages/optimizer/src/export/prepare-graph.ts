/**
 * The passes every emitter runs before writing a file: convert the TF.js model to the IR, drop
 * no-op nodes, fold BatchNorm, fuse ReLU/ReLU6. One place, so ONNX and TFLite files are made from
 * the same graph.
 */

import type * as tf from '@tensorflow/tfjs';
import { fromLayersModel } from '../convert/from-tfjs.js';
import type { IrGraph, IrMetadata } from '../ir/types.js';
import { type DropIdentitiesReport, dropIdentities } from '../passes/drop-identities/drop-identities.js';
import { type FoldBatchNormReport, foldBatchNorm } from '../passes/fold-bn/fold-batch-norm.js';
import { type FuseActivationsReport, fuseActivations } from '../passes/fuse-activations/fuse-activations.js';

/** Options shared by every exporter. */
export interface PrepareGraphOptions {
  /** Labels, preprocessing and extra properties the emitter writes into the file. */
  readonly metadata?: IrMetadata;
  /** Fold BatchNorm into the preceding conv/dense. @default true */
  readonly foldBatchNorm?: boolean;
  /** Fuse ReLU/ReLU6 into the preceding conv/dense. @default true */
  readonly fuseActivations?: boolean;
}

/** Reports of the passes that ran. */
export interface ExportPassReports {
  readonly dropIdentities: DropIdentitiesReport;
  readonly foldBatchNorm?: FoldBatchNormReport;
  readonly fuseActivations?: FuseActivationsReport;
}

/** The IR an emitter writes, and how it was obtained. */
export interface PreparedGraph {
  readonly graph: IrGraph;
  readonly passes: ExportPassReports;
}

/** Converts `model` to the IR and runs the export passes. */
export function prepareGraphForExport(
  model: tf.LayersModel,
  options: PrepareGraphOptions = {},
): PreparedGraph {
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
    graph,
    passes: {
      dropIdentities: dropped.report,
      ...(foldReport ? { foldBatchNorm: foldReport } : {}),
      ...(fuseReport ? { fuseActivations: fuseReport } : {}),
    },
  };
}
