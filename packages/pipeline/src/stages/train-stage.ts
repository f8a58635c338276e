/**
 * Stage train: builds the zoo teacher, trains it (checkpoints in train/checkpoints, so a killed
 * run resumes) and writes train/teacher as a model package whose summary.json holds the training
 * curves (per-epoch records) besides params, MACs and accuracies.
 */
import { join } from 'node:path';
import { createLineageStep, type JsonObject, sha256Hex, EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import {
  buildModel,
  datasetReference,
  describeModel,
  evaluate,
  train,
  trainConfigInput,
  validateTrainConfig,
  writeTrainedPackage,
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
    const started = performance.now();
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
    const result = await train(model, dataset, trainConfig, {
      onProgress: ctx.onProgress,
      checkpointDir: join(dir, 'checkpoints'),
      resume: true,
    });
    const evalOptions = c.evalImages === null ? {} : { limit: c.evalImages };
    const validation =
      dataset.split('validation').size > 0
        ? await evaluate(result.model, dataset.split('validation'), evalOptions)
        : undefined;
    const test = await evaluate(result.model, dataset.split('test'), evalOptions);
    const wallS = (performance.now() - started) / 1000;
    const trainImages = trainConfig.limit ?? dataset.split('train').size;
    const summary = {
      model: c.teacher.model,
      dataset: info.name,
      params,
      macs,
      epochs: result.record.epochs.length,
      batch_size: trainConfig.batchSize,
      train_images: trainImages,
      val_accuracy: validation?.accuracy ?? null,
      test_accuracy: test.accuracy,
      test_loss: test.loss,
      test_images: test.count,
      wall_s: Math.round(wallS * 10) / 10,
      record: result.record.epochs.map((e) => ({ ...e })),
    };
    const lineage = createLineageStep({
      kind: 'command',
      name: 'pipeline:train',
      config: JSON.parse(JSON.stringify({ model: c.teacher.model, ...trainConfig })) as JsonObject,
      inputs: [{ name: info.name, sha256: await sha256Hex(JSON.stringify(info)), kind: 'dataset' }],
      toolVersion: TOOL_VERSION,
      durationMs: Math.round(wallS * 1000),
      report: { test_accuracy: test.accuracy },
    });
    await writeTrainedPackage(join(dir, 'teacher'), {
      name: 'teacher',
      model: result.model,
      dataset: info,
      metrics: {
        ...(validation && {
          val_accuracy: { value: validation.accuracy, split: 'validation', samples: validation.count },
        }),
        test_accuracy: { value: test.accuracy, split: 'test', samples: test.count },
      },
      lineage: [lineage],
      training: {
        dataset: info.name,
        backend: ctx.backend,
        epochs: result.record.epochs.length,
        batchSize: trainConfig.batchSize,
        seed: c.seed,
        samples: { train: trainImages, validation: validation?.count ?? 0, test: test.count },
      },
      data: datasetReference(ctx.datasetOptions, info),
      summary: summary as unknown as JsonObject,
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
        trainImages,
        epochs: summary.epochs,
      },
    };
  },
};
