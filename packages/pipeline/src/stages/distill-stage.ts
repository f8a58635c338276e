/**
 * Stage distill: the distill pass from train/teacher into the configured zoo student (built with
 * `distill.init`), with cached teacher logits (the teacher runs once per training image; online,
 * on each batch as the student sees it, when `augment` or mixup transforms the images). The
 * section's training keys are a training config's (training-section.ts). Writes distill/student.
 */
import type { JsonObject } from '@edgeml/core';
import { distillPass } from '@edgeml/optimizer';
import type { PipelineConfig } from '../config/config-schema.js';
import { checkSectionTrainConfig, sectionTrainInput, stableSection } from '../config/training-section.js';
import type { PipelineStage } from '../engine/stage.js';
import { runPassStage } from './pass-stage.js';

/** The distill pass's config the stage runs for `c.distill` (its `train` is the student's training config). */
export function distillPassConfig(c: PipelineConfig): JsonObject {
  const d = c.distill;
  const train = sectionTrainInput(d, c.seed);
  checkSectionTrainConfig('distill', train);
  return {
    student: d.student,
    studentOptions: { init: d.init },
    temperature: d.temperature,
    alpha: d.alpha,
    teacherLogits: d.teacherLogits,
    train,
    baseline: d.baseline,
    evalLimit: c.evalImages,
  };
}

/** Stage 2: distil the student. */
export const distillStage: PipelineStage = {
  name: 'distill',
  version: 1,
  title: 'distil the student',
  config: (c) => ({ seed: c.seed, evalImages: c.evalImages, distill: stableSection(c.distill) }),
  inputs: async (ctx) => [await ctx.packageInput('train', 'teacher')],
  async run(ctx, dir) {
    const { config: c } = ctx;
    const d = c.distill;
    const pass = distillPass.create(distillPassConfig(c));
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
        teacherLogits: report.teacherLogits,
        augment: (pass.config.train as JsonObject)['augment'] ?? null,
        labelSmoothing: (pass.config.train as JsonObject)['labelSmoothing'] ?? null,
      },
    };
  },
};
