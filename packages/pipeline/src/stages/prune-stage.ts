/**
 * Stage prune: the prune pass (structured channels or weight magnitude, then fine-tuning) on the
 * model the run continues from after distill (the student, or the teacher when distillation was
 * rejected). Writes prune/pruned and gates it against that parent on the objective.
 */
import { join } from 'node:path';
import { prunePass } from '@edgeml/optimizer';
import { trainConfigInput } from '@edgeml/trainer';
import type { PipelineStage } from '../engine/stage.js';
import { gateReport } from '../gate/gate-report.js';
import { gatePass, recordedAccuracy } from '../gate/pass-gate.js';
import { runPassStage } from './pass-stage.js';

/** Stage 3: prune the student. */
export const pruneStage: PipelineStage = {
  name: 'prune',
  // 2: runs on distill's continuation and is gated (record.next).
  version: 2,
  title: 'prune and fine-tune',
  config: (c) => ({
    seed: c.seed,
    evalImages: c.evalImages,
    prune: { ...c.prune },
    objective: { ...c.objective },
  }),
  inputs: async (ctx) => {
    const from = ctx.continueFrom('distill');
    return [await ctx.packageInput(from.stage, from.role)];
  },
  async run(ctx, dir) {
    const { config: c } = ctx;
    const p = c.prune;
    const pass = prunePass.create({
      method: p.method,
      sparsity: p.sparsity,
      criterion: p.criterion,
      scope: p.scope,
      finetuneEpochs: p.finetuneEpochs,
      train: trainConfigInput({ ...p, epochs: Math.max(1, p.finetuneEpochs) }, c.seed),
      evalLimit: c.evalImages,
      latencyRuns: 0,
    });
    const parent = ctx.continueFrom('distill');
    const { report } = await runPassStage(
      ctx,
      pass,
      ctx.packageDir(parent.stage, parent.role),
      dir,
      'pruned',
    );
    const { decision, next } = await gatePass(ctx, {
      pass: 'prune',
      parent,
      candidate: { stage: 'prune', role: 'pruned' },
      candidateDir: join(dir, 'pruned'),
      candidatePrecision: 'float32',
      candidateAccuracy: report.pruned.accuracy,
      parentAccuracy: recordedAccuracy(ctx, parent),
      workDir: join(dir, 'gate-work'),
    });
    return {
      packages: { pruned: 'pruned' },
      next,
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
        gate: gateReport(decision, parent),
      },
    };
  },
};
