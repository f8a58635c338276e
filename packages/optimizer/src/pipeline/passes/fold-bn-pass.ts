/**
 * fold-bn as a pipeline pass: TF.js model -> IR -> foldBatchNorm -> TF.js model. The output has no
 * BatchNormalization layers where they could be folded (convs gain a bias) and predicts the same
 * (to float rounding). Config: none (`{}`).
 */
import { type JsonObject, readOptions } from '@edgeml/core';
import { fromLayersModel } from '../../convert/from-tfjs.js';
import { toLayersModel } from '../../convert/to-tfjs.js';
import { foldBatchNorm } from '../../passes/fold-bn/fold-batch-norm.js';
import { definePass } from '../pass.js';

/** Report of the fold-bn pass. */
export interface FoldBnPassReport extends JsonObject {
  folded: { batchNorm: string; into: string }[];
  skipped: { node: string; reason: string }[];
}

/** The fold-bn pass (no config keys). */
export const foldBnPass = definePass<JsonObject, FoldBnPassReport>({
  name: 'fold-bn',
  version: 1,
  description: 'fold BatchNorm into the preceding conv/dense weights',
  needsDataset: false,
  validate(json) {
    readOptions({}, json, 'fold-bn');
    return {};
  },
  async transform(input) {
    const { graph, report } = foldBatchNorm(fromLayersModel(input.model));
    return {
      model: toLayersModel(graph),
      report: {
        folded: report.folded.map((f) => ({ ...f })),
        skipped: report.skipped.map((s) => ({ ...s })),
      },
    };
  },
});
