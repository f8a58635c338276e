/**
 * `edgeml distill`: knowledge distillation from a teacher (a model package, or a zoo model trained
 * here first) into a zoo student, with the same student trained from scratch on the same budget for
 * comparison (skip with --skip-baseline); writes the distilled student as a model package.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { DatasetReference } from '@edgeml/core';
import { DISTILL_OPTIONS, distillPass, loadPassPackage, type PassPackage } from '@edgeml/optimizer';
import {
  buildModel,
  type Dataset,
  datasetReference,
  isZooModelName,
  loadDataset,
  TRAINING_OPTIONS,
  trainPackage,
  validateTrainConfig,
  type ZooModelName,
} from '@edgeml/trainer';
import type { Command, OptionValues } from '../command.js';
import { datasetOptionsFrom, loadDatasetForModel } from '../dataset-from-options.js';
import { declaredOptions, flagsOf, intOption, MODEL_DATASET_OPTIONS, stringOption } from '../options.js';
import type { Output } from '../output.js';
import { formatTable } from '../output.js';
import { createProgressDisplay } from '../progress.js';
import { TOOL_VERSION } from '../version.js';
import {
  millions,
  PASS_OPTIONS,
  percent,
  runPassCommand,
  selectBackendFromOptions,
  trainConfigFromOptions,
} from './pass-options.js';

/**
 * A zoo teacher trained now on `dataset` (trainPackage: the same flow as `edgeml train`), written
 * as a model package in `dir` so that it can be inspected, evaluated and reused with --teacher.
 */
async function trainZooTeacher(
  values: OptionValues,
  teacher: ZooModelName,
  dataset: Dataset,
  data: DatasetReference,
  dir: string,
  backend: { name: string; detail: string },
  out: Output,
): Promise<PassPackage> {
  const epochs = intOption(values, 'teacher-epochs', {
    min: 1,
    fallback: intOption(values, 'epochs', { min: 1, fallback: 10 }),
  });
  const config = validateTrainConfig(trainConfigFromOptions(values, 'distill', epochs), {
    trainSize: dataset.split('train').size,
    numClasses: dataset.info.classNames.length,
  });
  out.note(`teacher: training zoo model '${teacher}' for ${epochs} epoch(s) first, into ${dir}`);
  const model = buildModel(teacher, {
    inputShape: dataset.info.inputShape,
    numClasses: dataset.info.classNames.length,
    seed: config.seed,
  });
  const progress = createProgressDisplay(out);
  try {
    await trainPackage({
      model,
      modelName: teacher,
      dataset,
      data,
      config,
      backend,
      outDir: dir,
      name: basename(dir),
      toolVersion: TOOL_VERSION,
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
  }
  return loadPassPackage(dir);
}

export const distillCommand: Command = {
  name: 'distill',
  summary: 'distil a teacher into a zoo student (Hinton loss), compared with the student from scratch',
  examples: [
    'pnpm edgeml distill --teacher runs/teacher --student cnn-tiny --temperature 4 --alpha 0.9 --epochs 5 --out runs/student',
    'pnpm edgeml distill --teacher runs/teacher --student cnn-tiny --epochs 2 --limit 10000 --skip-baseline --out runs/student',
  ],
  options: {
    ...MODEL_DATASET_OPTIONS,
    ...PASS_OPTIONS,
    teacher: {
      type: 'string',
      placeholder: 'DIR|NAME',
      description: 'teacher: a model package, or a zoo model to train first',
    },
    'teacher-epochs': {
      type: 'string',
      placeholder: 'N',
      description: 'epochs of a zoo teacher (default: --epochs)',
    },
    ...flagsOf(DISTILL_OPTIONS, ['baseline']),
    ...flagsOf(TRAINING_OPTIONS),
    'skip-baseline': { type: 'boolean', description: 'do not train the student from scratch for comparison' },
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'package to write',
      default: 'runs/<student>-distilled',
    },
  },
  async run(values, out) {
    const options = declaredOptions(DISTILL_OPTIONS, values, 'distill');
    const student = options.student;
    const outDir = resolve(stringOption(values, 'out', `runs/${student}-distilled`));
    const pass = distillPass.create({
      ...options,
      baseline: !values['skip-baseline'],
      train: trainConfigFromOptions(values, 'distill'),
    });
    const backend = await selectBackendFromOptions(values, out);
    const teacherArg = stringOption(values, 'teacher');
    let teacher: PassPackage;
    let dataset: Dataset;
    if (existsSync(teacherArg) || !isZooModelName(teacherArg)) {
      teacher = await loadPassPackage(teacherArg);
      dataset = (await loadDatasetForModel(values, teacher.manifest)).forModel;
    } else {
      const options = datasetOptionsFrom(values);
      dataset = await loadDataset(options);
      const data = datasetReference(options, dataset.info);
      teacher = await trainZooTeacher(values, teacherArg, dataset, data, `${outDir}-teacher`, backend, out);
    }
    const { report } = await runPassCommand(pass, teacher, dataset, values, outDir, out);
    if (out.json) {
      out.printJson({ out: outDir, ...report });
      return 0;
    }
    const row = (name: string, r: { accuracy: number; params: number; macs: number } | null) =>
      r === null ? [name, '-', '-', '-'] : [name, percent(r.accuracy), r.params, millions(r.macs)];
    out.print(
      formatTable(
        ['model', 'test accuracy', 'params', 'MACs'],
        [
          row('teacher', report.teacher),
          row(`${student} from scratch`, report.scratch),
          row(`${student} distilled`, report.distilled),
        ],
      ),
    );
    if (report.gainPoints !== null) {
      out.print(
        `distillation gain: ${report.gainPoints.toFixed(2)} points` +
          (report.gapClosed === null
            ? ''
            : `, ${(report.gapClosed * 100).toFixed(1)}% of the teacher-scratch gap closed`),
      );
    }
    out.print(
      `${report.epochs} epoch(s) on ${report.trainImages} images, ${report.testImages} test images, teacher logits ${report.teacherLogits}`,
    );
    out.print(`wrote ${outDir}`);
    return 0;
  },
};
