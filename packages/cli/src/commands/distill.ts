/**
 * `edgeml distill`: knowledge distillation from a teacher (a model package, or a zoo model trained
 * here first) into a zoo student, with the same student trained from scratch on the same budget for
 * comparison (skip with --skip-baseline); writes the distilled student as a model package.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLineageStep, type DatasetReference, sha256Hex } from '@edgeml/core';
import {
  DISTILL_OPTIONS,
  distillPass,
  loadPassPackage,
  type PassPackage,
  packageFromModel,
} from '@edgeml/optimizer';
import {
  buildModel,
  type Dataset,
  datasetReference,
  isZooModelName,
  loadDataset,
  TRAINING_OPTIONS,
  train,
} from '@edgeml/trainer';
import type { Command, OptionValues } from '../command.js';
import { datasetOptionsFrom, loadDatasetForModel } from '../dataset-from-options.js';
import { DATASET_OPTIONS, declaredOptions, flagsOf, intOption, stringOption } from '../options.js';
import type { Output } from '../output.js';
import { formatTable } from '../output.js';
import { TOOL_VERSION } from '../version.js';
import {
  millions,
  PASS_OPTIONS,
  percent,
  runPassCommand,
  selectBackendFromOptions,
  trainConfigFromOptions,
} from './pass-options.js';

/** The teacher package: read from a directory, or a zoo model trained now on `dataset`. */
async function trainTeacher(
  values: OptionValues,
  dataset: Dataset,
  data: DatasetReference,
  out: Output,
): Promise<PassPackage> {
  const teacher = stringOption(values, 'teacher');
  if (!isZooModelName(teacher)) return loadPassPackage(teacher);
  const epochs = intOption(values, 'teacher-epochs', {
    min: 1,
    fallback: intOption(values, 'epochs', { min: 1, fallback: 10 }),
  });
  const config = trainConfigFromOptions(values, 'distill', epochs);
  out.note(`teacher: training zoo model '${teacher}' for ${epochs} epoch(s) first`);
  const model = buildModel(teacher, {
    inputShape: dataset.info.inputShape,
    numClasses: dataset.info.classNames.length,
    seed: config['seed'] as number,
  });
  await train(model, dataset, config, {});
  const step = createLineageStep({
    kind: 'command',
    name: 'train',
    config: { model: teacher, ...config },
    inputs: [
      { name: dataset.info.name, sha256: await sha256Hex(JSON.stringify(dataset.info)), kind: 'dataset' },
    ],
    toolVersion: TOOL_VERSION,
  });
  return packageFromModel(model, `${dataset.info.name}-${teacher}`, dataset.info, [step], data);
}

export const distillCommand: Command = {
  name: 'distill',
  summary: 'distil a teacher into a zoo student (Hinton loss), compared with the student from scratch',
  examples: [
    'pnpm edgeml distill --teacher runs/teacher --student cnn-tiny --temperature 4 --alpha 0.9 --epochs 5 --out runs/student',
    'pnpm edgeml distill --teacher runs/teacher --student cnn-tiny --epochs 2 --limit 10000 --skip-baseline --out runs/student',
  ],
  options: {
    ...DATASET_OPTIONS,
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
    await selectBackendFromOptions(values, out);
    const teacherArg = stringOption(values, 'teacher');
    const fromDir = existsSync(teacherArg) ? await loadPassPackage(teacherArg) : undefined;
    let teacher: PassPackage;
    let dataset: Dataset;
    if (fromDir) {
      teacher = fromDir;
      dataset = (await loadDatasetForModel(values, fromDir.manifest)).forModel;
    } else {
      const options = datasetOptionsFrom(values);
      dataset = await loadDataset(options);
      teacher = await trainTeacher(values, dataset, datasetReference(options, dataset.info), out);
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
