/**
 * Stage prune: the prune pass (structured channels or weight magnitude, then fine-tuning) on the
 * model the run continues from after distill's gate (the student, or the teacher when distillation
 * was rejected). Writes prune/pruned; the prune-gate stage judges it. The fine-tuning's training keys
 * are a training config's (training-section.ts: augmentation, label smoothing, SGD, warm-up).
 */
import type { JsonObject } from '@edgeml/core';
import { prunePass } from '@edgeml/optimizer';
import type { PipelineConfig } from '../config/config-schema.js';
import { checkSectionTrainConfig, sectionTrainInput, stableSection } from '../config/training-section.js';
import type { PipelineStage } from '../engine/stage.js';
import { runPassStage } from './pass-stage.js';

/**
 * The prune pass's config the stage runs for `c.prune`: its `train` is the fine-tuning's training
 * config (the section's training keys, `finetuneEpochs` as its epochs).
 */
export function prunePassConfig(c: PipelineConfig): JsonObject {
  const p = c.prune;
  const train = sectionTrainInput({ ...p, epochs: Math.max(1, p.finetuneEpochs) }, c.seed);
  checkSectionTrainConfig('prune', train);
  return {
    method: p.method,
    sparsity: p.sparsity,
    criterion: p.criterion,
    scope: p.scope,
    finetuneEpochs: p.finetuneEpochs,
    train,
    evalLimit: c.evalImages,
    latencyRuns: 0,
  };
}

/** Stage 3: prune the student. */
export const pruneStage: PipelineStage = {
  name: 'prune',
  // 2: runs on the continuation after distill's gate.
  version: 2,
  title: 'prune and fine-tune',
  config: (c) => ({
    seed: c.seed,
    evalImages: c.evalImages,
    prune: stableSection(c.prune),
  }),
  inputs: async (ctx) => {
    const from = ctx.continueFrom('distill-gate');
    return [await ctx.packageInput(from.stage, from.role)];
  },
  async run(ctx, dir) {
    const { config: c } = ctx;
    const pass = prunePass.create(prunePassConfig(c));
    const parent = ctx.continueFrom('distill-gate');
    const { report } = await runPassStage(
      ctx,
      pass,
      ctx.packageDir(parent.stage, parent.role),
      dir,
      'pruned',
    );
    return {
      packages: { pruned: 'pruned' },
      report: {
        method: report.method,
        sparsity: report.sparsity,
        params: report.pruned.params,
        nonzeroParams: report.pruned.nonzeroParams,
        macs: report.pruned.macs,
        onnxBytes: report.pruned.onnxBytes,
        onnxGzipBytes: report.pruned.onnxGzipBytes,
        accuracy: report.pruned.accuracy,
        accuracyBeforeFinetune: report.beforeFinetune.accuracy,
        original: {
          params: report.original.params,
          nonzeroParams: report.original.nonzeroParams,
          macs: report.original.macs,
          onnxBytes: report.original.onnxBytes,
          onnxGzipBytes: report.original.onnxGzipBytes,
          accuracy: report.original.accuracy,
        },
        testImages: report.testImages,
        finetuneEpochs: report.finetuneEpochs,
        parent: `${parent.stage}/${parent.role}`,
      },
    };
  },
};
