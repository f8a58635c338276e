/**
 * The distill pass: the input package is the teacher; a zoo model (the student) is trained on the
 * context's data set with the Hinton loss against the teacher's logits, and, unless `baseline` is
 * false, the same student is trained from scratch (plain configured loss) on the same budget, so
 * the report compares teacher, scratch student and distilled student (accuracy, params, MACs).
 * The output package holds the distilled student.
 */
import {
  ConfigError,
  type JsonObject,
  type OptionDecls,
  type ProgressCallback,
  readOptions,
} from '@edgeml/core';
import {
  buildModel,
  type Dataset,
  describeModel,
  evaluate,
  numClassesOf,
  renormalizeSplit,
  type TrainConfig,
  train,
  validateTrainConfig,
  ZOO_MODEL_NAMES,
  type ZooModelOptions,
} from '@edgeml/trainer';
import type * as tf from '@tensorflow/tfjs';
import { definePass } from '../../pipeline/pass.js';
import type { PassPackage } from '../../pipeline/pass-package.js';
import { distillationLoss } from './kd-loss.js';
import {
  normalizationRemap,
  TEACHER_LOGITS_MODES,
  TeacherLogits,
  type TeacherLogitsMode,
} from './teacher-logits.js';

/** The distill pass's config (plain JSON). */
export interface DistillConfig extends JsonObject {
  /** Zoo model name of the student. */
  student: string;
  /** Zoo options of the student (`inputShape` comes from the data set, `numClasses` from the teacher). */
  studentOptions: JsonObject;
  /** Softmax temperature, > 0. @default 4 */
  temperature: number;
  /** Weight of the soft term, in [0, 1]. @default 0.9 */
  alpha: number;
  /** 'cached' (per training image, default) or 'online'. Augmentation or mixup forces online. */
  teacherLogits: TeacherLogitsMode;
  /** The trainer's config for the student (and the baseline), validated and with defaults. */
  train: JsonObject;
  /** Also train the student from scratch for comparison. @default true */
  baseline: boolean;
  /** Evaluate on this many test images (null: all). */
  evalLimit: number | null;
}

/** One model's line in the report. */
export interface DistillModelReport extends JsonObject {
  accuracy: number;
  params: number;
  macs: number;
}

/** What the distill pass measured. */
export interface DistillReport extends JsonObject {
  teacher: DistillModelReport;
  scratch: DistillModelReport | null;
  distilled: DistillModelReport;
  /** distilled - scratch accuracy, in points (null without baseline). */
  gainPoints: number | null;
  /** (distilled - scratch) / (teacher - scratch) (null without baseline or when there is no gap). */
  gapClosed: number | null;
  teacherLogits: string;
  teacherImagesRun: number;
  trainImages: number;
  epochs: number;
  testImages: number;
}

/** The distill pass's options, declared once: its config, the CLI's flags and the pipeline's `distill` keys. */
export const DISTILL_OPTIONS = {
  student: {
    kind: 'choice',
    values: ZOO_MODEL_NAMES,
    default: 'cnn-tiny',
    placeholder: 'NAME',
    description: 'zoo model of the student',
  },
  temperature: {
    kind: 'number',
    min: 0,
    minExclusive: true,
    default: 4,
    placeholder: 'T',
    description: 'softmax temperature of the soft targets',
  },
  alpha: {
    kind: 'number',
    min: 0,
    max: 1,
    default: 0.9,
    placeholder: 'X',
    description: 'weight of the soft (teacher) term; 1 - alpha weighs the labels',
  },
  teacherLogits: {
    kind: 'choice',
    values: TEACHER_LOGITS_MODES,
    default: 'cached',
    placeholder: 'MODE',
    description: "'cached' (the teacher runs once per training image) or 'online' (every step)",
  },
  baseline: {
    kind: 'boolean',
    default: true,
    description: 'also train the student from scratch on the same budget (reports the gain)',
  },
  evalLimit: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'evaluate on N test images (null: all)',
  },
} as const satisfies OptionDecls;

/** Checks a distill config (DISTILL_OPTIONS plus `train` and `studentOptions` objects); fills in defaults. */
export function validateDistillConfig(json: unknown): DistillConfig {
  const options = readOptions(DISTILL_OPTIONS, json, 'distill', ['train', 'studentOptions']);
  const studentOptions = checkObjectOption(options['studentOptions'], 'studentOptions');
  const trainConfig = validateTrainConfig(checkObjectOption(options['train'], 'train'));
  for (const key of ['inputShape']) {
    if (key in studentOptions)
      throw new ConfigError(`distill: 'studentOptions.${key}' is taken from the data set`, { key });
  }
  return {
    ...(options as unknown as DistillConfig),
    studentOptions,
    train: JSON.parse(JSON.stringify(trainConfig)) as JsonObject,
  };
}

function checkObjectOption(value: unknown, key: string): JsonObject {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`distill: '${key}' must be a JSON object, got ${JSON.stringify(value)}`, { key });
  return value as JsonObject;
}

function prefixed(onProgress: ProgressCallback | undefined, prefix: string): ProgressCallback | undefined {
  return onProgress && ((e) => onProgress({ ...e, message: `${prefix}: ${e.message ?? ''}` }));
}

async function modelReport(
  model: tf.LayersModel,
  dataset: Dataset,
  config: DistillConfig,
  pkg?: PassPackage,
) {
  let split = dataset.split('test');
  if (pkg) split = renormalizeSplit(split, dataset.info.normalization, pkg.manifest.preprocessing);
  const result = await evaluate(model, split, config.evalLimit === null ? {} : { limit: config.evalLimit });
  const { params, macs } = describeModel(model);
  return { report: { accuracy: result.accuracy, params, macs }, count: result.count };
}

/** Builds the student for `teacher` on `dataset`; a class count that differs from the teacher's → ConfigError. */
export function buildStudent(
  config: DistillConfig,
  dataset: Dataset,
  teacher: tf.LayersModel,
): tf.LayersModel {
  const teacherClasses = numClassesOf(teacher);
  const datasetClasses = dataset.info.classNames.length;
  if (teacherClasses !== datasetClasses) {
    throw new ConfigError(
      `distill: the teacher has ${teacherClasses} classes but data set '${dataset.info.name}' has ${datasetClasses}`,
      { teacherClasses, datasetClasses },
    );
  }
  const student = buildModel(config.student, {
    inputShape: dataset.info.inputShape,
    numClasses: teacherClasses,
    seed: (config.train as unknown as TrainConfig).seed,
    ...(config.studentOptions as Partial<ZooModelOptions>),
  });
  const studentClasses = numClassesOf(student);
  if (studentClasses !== teacherClasses) {
    throw new ConfigError(
      `distill: student '${config.student}' has ${studentClasses} classes but the teacher has ${teacherClasses}; they must match`,
      { key: 'studentOptions.numClasses', studentClasses, teacherClasses },
    );
  }
  return student;
}

/** Knowledge distillation from the input package (teacher) into a zoo student. */
export const distillPass = definePass<DistillConfig, DistillReport>({
  name: 'distill',
  version: 1,
  description: 'train a zoo student on the teacher logits (Hinton loss)',
  needsDataset: true,
  validate: validateDistillConfig,
  async transform(input, config, ctx) {
    const dataset = ctx.dataset!;
    const trainConfig = config.train as unknown as TrainConfig;
    const student = buildStudent(config, dataset, input.model);
    const transformed =
      trainConfig.mixupAlpha > 0 ||
      trainConfig.augment.randomCropPadding > 0 ||
      trainConfig.augment.horizontalFlip ||
      trainConfig.augment.randomResizedCrop !== null;
    const mode: TeacherLogitsMode = transformed ? 'online' : config.teacherLogits;
    const teacher = new TeacherLogits(
      input.model,
      mode,
      normalizationRemap(dataset.info.normalization, input.manifest.preprocessing),
    );
    const options = { temperature: config.temperature, alpha: config.alpha };
    const onProgress = prefixed(ctx.onProgress, 'distill');
    await train(student, dataset, trainConfig, {
      ...(onProgress && { onProgress }),
      ...(ctx.signal && { signal: ctx.signal }),
      lossFn: (c) =>
        distillationLoss(
          c.logits,
          teacher.logitsFor(c.x, c.indices, c.transformed),
          c.targets,
          options,
          config.alpha === 1 ? undefined : c.configuredLoss(c.logits),
        ),
    });
    const distilled = await modelReport(student, dataset, config);
    const teacherReport = await modelReport(input.model, dataset, config, input);
    let scratch: DistillModelReport | null = null;
    if (config.baseline) {
      const baselineModel = buildStudent(config, dataset, input.model);
      const onBaseline = prefixed(ctx.onProgress, 'scratch');
      await train(baselineModel, dataset, trainConfig, {
        ...(onBaseline && { onProgress: onBaseline }),
        ...(ctx.signal && { signal: ctx.signal }),
      });
      scratch = (await modelReport(baselineModel, dataset, config)).report;
      baselineModel.dispose();
    }
    const gain = scratch === null ? null : (distilled.report.accuracy - scratch.accuracy) * 100;
    const gap = scratch === null ? 0 : teacherReport.report.accuracy - scratch.accuracy;
    const report: DistillReport = {
      teacher: teacherReport.report,
      scratch,
      distilled: distilled.report,
      gainPoints: gain,
      gapClosed: scratch === null || gap <= 0 ? null : (distilled.report.accuracy - scratch.accuracy) / gap,
      teacherLogits: mode === config.teacherLogits ? mode : `${mode} (augmentation or mixup is on)`,
      teacherImagesRun: teacher.imagesRun,
      trainImages: trainConfig.limit ?? dataset.split('train').size,
      epochs: trainConfig.epochs,
      testImages: distilled.count,
    };
    return {
      model: student,
      report,
      metrics: {
        test_accuracy: { value: distilled.report.accuracy, split: 'test', samples: distilled.count },
      },
    };
  },
});
