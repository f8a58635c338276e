/**
 * Stage distill: the distill pass from train/teacher into the configured zoo student, with cached
 * teacher logits (the teacher runs once per training image). Writes distill/student, then gates it
 * against the teacher on the objective: when it does not pay, the run continues from the teacher.
 */
import { join } from 'node:path';
import { distillPass } from '@edgeml/optimizer';
import { trainConfigInput } from '@edgeml/trainer';
import type { PipelineStage } from '../engine/stage.js';
import { gateReport } from '../gate/gate-report.js';
import { gatePass, recordedAccuracy } from '../gate/pass-gate.js';
import { runPassStage } from './pass-stage.js';

/** Stage 2: distil the student. */
export const distillStage: PipelineStage = {
  name: 'distill',
  // 2: gated against the teacher on the objective (record.next).
  version: 2,
  title: 'distil the student',
  config: (c) => ({
    seed: c.seed,
    evalImages: c.evalImages,
    distill: { ...c.distill },
    objective: { ...c.objective },
  }),
  inputs: async (ctx) => [await ctx.packageInput('train', 'teacher')],
  async run(ctx, dir) {
    const { config: c } = ctx;
    const d = c.distill;
    const pass = distillPass.create({
      student: d.student,
      temperature: d.temperature,
      alpha: d.alpha,
      teacherLogits: d.teacherLogits,
      train: trainConfigInput(d, c.seed),
      baseline: d.baseline,
      evalLimit: c.evalImages,
    });
    const parent = { stage: 'train', role: 'teacher' };
    const { report } = await runPassStage(
      ctx,
      pass,
      ctx.packageDir(parent.stage, parent.role),
      dir,
      'student',
    );
    const { decision, next } = await gatePass(ctx, {
      pass: 'distill',
      parent,
      candidate: { stage: 'distill', role: 'student' },
      candidateDir: join(dir, 'student'),
      candidatePrecision: 'float32',
      candidateAccuracy: report.distilled.accuracy,
      parentAccuracy: recordedAccuracy(ctx, parent),
      workDir: join(dir, 'gate-work'),
    });
    return {
      packages: { student: 'student' },
      next,
      report: {
        model: d.student,
        params: report.distilled.params,
        macs: report.distilled.macs,
        accuracy: report.distilled.accuracy,
        testImages: report.testImages,
        teacherAccuracy: report.teacher.accuracy,
        scratchAccuracy: report.scratch?.accuracy ?? null,
        gainPoints: report.gainPoints,
        gapClosed: report.gapClosed,
        trainImages: report.trainImages,
        epochs: report.epochs,
        gate: gateReport(decision, parent),
      },
    };
  },
};
