/**
 * Stage distill: the distill pass from train/teacher into the configured zoo student, with cached
 * teacher logits (the teacher runs once per training image). Writes distill/student.
 */
import { distillPass } from '@edgeml/optimizer';
import { trainConfigInput } from '@edgeml/trainer';
import type { PipelineStage } from '../engine/stage.js';
import { runPassStage } from './pass-stage.js';

/** Stage 2: distil the student. */
export const distillStage: PipelineStage = {
  name: 'distill',
  version: 1,
  title: 'distil the student',
  config: (c) => ({ seed: c.seed, evalImages: c.evalImages, distill: { ...c.distill } }),
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
    const { report } = await runPassStage(ctx, pass, ctx.packageDir('train', 'teacher'), dir, 'student');
    return {
      packages: { student: 'student' },
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
      },
    };
  },
};
