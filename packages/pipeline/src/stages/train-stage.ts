/**
 * Stage train: builds the zoo teacher, trains it (checkpoints in train/checkpoints, so a killed
 * run resumes) and writes train/teacher as a model package whose summary.json holds the training
 * curves (per-epoch records) besides params, MACs and accuracies.
 */
import { join } from 'node:path';
import { sha256Hex, EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import {
  buildModel,
  datasetReference,
  describeModel,
  trainConfigInput,
  trainPackage,
  validateTrainConfig,
  type ZooModelName,
} from '@edgeml/trainer';
import type { PipelineStage } from '../engine/stage.js';

/** The first stage: train the teacher. */
export const trainStage: PipelineStage = {
  name: 'train',
  version: 1,
  title: 'train the teacher',
  config: (c) => ({
    dataset: { ...c.dataset },
    seed: c.seed,
    evalImages: c.evalImages,
    teacher: { ...c.teacher },
  }),
  async inputs(ctx) {
    const dataset = await ctx.dataset();
    return [{ name: `dataset:${dataset.info.name}`, sha256: await sha256Hex(JSON.stringify(dataset.info)) }];
  },
  async run(ctx, dir) {
    const { config: c } = ctx;
    const dataset = await ctx.dataset();
    const { info } = dataset;
    const trainConfig = validateTrainConfig(trainConfigInput(c.teacher, c.seed), {
      trainSize: dataset.split('train').size,
      numClasses: info.classNames.length,
    });
    const model = buildModel(c.teacher.model as ZooModelName, {
      inputShape: info.inputShape,
      numClasses: info.classNames.length,
      seed: c.seed,
    });
    const { params, macs } = describeModel(model);
    ctx.note(
      `teacher ${c.teacher.model}: ${params.toLocaleString('en-US')} params, ${(macs / 1e6).toFixed(2)} M MACs`,
    );
    const { summary, validation, test } = await trainPackage({
      model,
      modelName: c.teacher.model,
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
        params,
        macs,
        accuracy: test.accuracy,
        testImages: test.count,
        valAccuracy: validation?.accuracy ?? null,
        trainImages: summary.train_images,
        epochs: summary.epochs,
      },
    };
  },
};
