/**
 * Stage train: builds the zoo teacher, trains it (checkpoints in train/checkpoints, so a killed
 * run resumes) and writes train/teacher as a model package whose summary.json holds the training
 * curves (per-epoch records) besides params, MACs and accuracies. The teacher section's training
 * keys are a training config's (augmentation, label smoothing, SGD with Nesterov momentum and
 * weight decay, warm-up; training-section.ts), handed to the trainer as `edgeml train --config`
 * would. With `teacher.from` the teacher is not trained: the package is loaded (teacher-from.ts),
 * checked against the pipeline's data set and evaluated on its test split like a trained one.
 */
import { join, resolve as resolvePath } from 'node:path';
import { sha256Hex, EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import {
  buildModel,
  datasetReference,
  describeModel,
  type InitScheme,
  type TrainConfig,
  trainPackage,
  type ZooModelName,
} from '@edgeml/trainer';
import type { PipelineConfig } from '../config/config-schema.js';
import { checkSectionTrainConfig, sectionTrainInput, stableSection } from '../config/training-section.js';
import type { PipelineStage } from '../engine/stage.js';
import { loadTeacherPackage, teacherFromSha256 } from './teacher-from.js';

/**
 * The training config the train stage hands the trainer for `c.teacher` (what `edgeml train
 * --config` would train with), checked against the data (`trainSize`, `numClasses`).
 */
export function teacherTrainConfig(
  c: PipelineConfig,
  data: { trainSize?: number; numClasses?: number } = {},
): TrainConfig {
  return checkSectionTrainConfig('teacher', sectionTrainInput(c.teacher, c.seed), data);
}

/** The first stage: train the teacher (or load it from `teacher.from`). */
export const trainStage: PipelineStage = {
  name: 'train',
  version: 1,
  title: 'train the teacher',
  config: (c) => ({
    dataset: { ...c.dataset },
    seed: c.seed,
    evalImages: c.evalImages,
    // A loaded teacher depends on the package (an input below), not on the training keys.
    teacher: c.teacher.from === null ? stableSection(c.teacher) : { from: resolvePath(c.teacher.from) },
  }),
  async inputs(ctx) {
    const dataset = await ctx.dataset();
    const from = ctx.config.teacher.from;
    return [
      { name: `dataset:${dataset.info.name}`, sha256: await sha256Hex(JSON.stringify(dataset.info)) },
      ...(from === null
        ? []
        : [
            { name: `teacher.from:${resolvePath(from)}`, sha256: await teacherFromSha256(resolvePath(from)) },
          ]),
    ];
  },
  async run(ctx, dir) {
    const { config: c } = ctx;
    if (c.teacher.from !== null) return loadTeacherPackage(ctx, resolvePath(c.teacher.from), dir);
    const dataset = await ctx.dataset();
    const { info } = dataset;
    const trainConfig = teacherTrainConfig(c, {
      trainSize: dataset.split('train').size,
      numClasses: info.classNames.length,
    });
    const init = c.teacher.init as InitScheme;
    const model = buildModel(c.teacher.model as ZooModelName, {
      inputShape: info.inputShape,
      numClasses: info.classNames.length,
      seed: c.seed,
      init,
    });
    const { params, macs } = describeModel(model);
    ctx.note(
      `teacher ${c.teacher.model}: ${params.toLocaleString('en-US')} params, ${(macs / 1e6).toFixed(2)} M MACs`,
    );
    const { summary, validation, test } = await trainPackage({
      model,
      modelName: c.teacher.model,
      init,
      dataset,
      data: datasetReference(ctx.datasetOptions, info),
      config: trainConfig,
      backend: { name: ctx.backend },
      outDir: join(dir, 'teacher'),
      name: 'teacher',
      // train/checkpoints survives an interrupted run of the same key: it resumes.
      checkpointDir: join(dir, 'checkpoints'),
      lineageName: 'pipeline:train',
      evalLimit: c.evalImages,
      toolVersion: TOOL_VERSION,
      onProgress: ctx.onProgress,
    });
    return {
      packages: { teacher: 'teacher' },
      files: { summary: 'teacher/summary.json' },
      report: {
        model: c.teacher.model,
        init,
        params,
        macs,
        accuracy: test.accuracy,
        testImages: test.count,
        valAccuracy: validation?.accuracy ?? null,
        trainImages: summary.train_images,
        epochs: summary.epochs,
        augment: JSON.parse(JSON.stringify(trainConfig.augment)),
        labelSmoothing: trainConfig.labelSmoothing,
        optimizer: JSON.parse(JSON.stringify(trainConfig.optimizer)),
        schedule: { name: trainConfig.schedule.name, warmupEpochs: trainConfig.schedule.warmupEpochs },
      },
    };
  },
};
