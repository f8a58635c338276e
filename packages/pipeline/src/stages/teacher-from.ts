/**
 * `teacher.from`: the train stage's teacher taken from a trained model package instead of trained.
 * The package must hold a TF.js model (`edgeml train`'s output) and have been trained on the
 * pipeline's data set (its recorded data set name, classes and input shape): otherwise a typed
 * error names both sides before anything is written. It is evaluated on the pipeline's test (and
 * validation) split, re-normalised to its own mean/std, as a trained teacher is, so the gates
 * compare against what it scores here, and written as train/teacher: its model, its preprocessing,
 * training and data records, its lineage plus a `pipeline:train` step naming the source package,
 * and a summary.json that keeps the source's training curves.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  createLineageStep,
  DatasetMismatchError,
  EdgemlError,
  type JsonObject,
  sha256Hex,
  EDGEML_VERSION as TOOL_VERSION,
  UnsupportedError,
} from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { buildPassPackage, savePassPackage } from '@edgeml/optimizer';
import {
  checkDatasetMatchesModel,
  type DatasetInfo,
  describeModel,
  evaluate,
  type LoadedTrainedPackage,
  loadTrainedPackage,
  renormalizeSplit,
} from '@edgeml/trainer';
import type { StageContext, StageOutput } from '../engine/stage.js';

/** The manifest SHA-256 of `teacher.from`, or a ConfigError naming the key when it is no package. */
export async function teacherFromSha256(dir: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (error) {
    throw new ConfigError(
      `teacher: 'from' must be a model package directory (with manifest.json, as edgeml train writes), got '${dir}': ${(error as Error).message}`,
      { section: 'teacher', key: 'from', got: dir },
    );
  }
  return sha256Hex(text);
}

/** The data set name a package records (`manifest.data`, or `training.dataset` of older packages). */
function recordedDataset(pkg: LoadedTrainedPackage): string | undefined {
  return pkg.manifest.data?.name ?? pkg.manifest.training?.dataset;
}

/**
 * Throws DatasetMismatchError unless the package was trained on `info`'s data set with its classes
 * and input shape.
 */
export function checkTeacherMatchesDataset(dir: string, pkg: LoadedTrainedPackage, info: DatasetInfo): void {
  const advice = `set the pipeline's 'dataset' to the one the teacher was trained on, or leave 'teacher.from' out to train one`;
  const recorded = recordedDataset(pkg);
  if (recorded !== undefined && recorded !== info.name)
    throw new DatasetMismatchError(
      `teacher.from ${dir}: the model was trained on data set '${recorded}', the pipeline's data set is '${info.name}'; ${advice}`,
      { section: 'teacher', key: 'from', from: dir, modelDataset: recorded, dataset: info.name },
    );
  try {
    checkDatasetMatchesModel(info, pkg.manifest);
  } catch (error) {
    if (!(error instanceof DatasetMismatchError)) throw error;
    const problem = error.message.replace(/\. Pass the data set .*$/, '');
    throw new DatasetMismatchError(`teacher.from ${dir}: ${problem}; ${advice}`, {
      section: 'teacher',
      key: 'from',
      from: dir,
      ...error.details,
    });
  }
}

/** Loads `dir` as the pipeline's teacher into `<stageDir>/teacher` (see the file comment). */
export async function loadTeacherPackage(
  ctx: StageContext,
  dir: string,
  stageDir: string,
): Promise<StageOutput> {
  const started = performance.now();
  const dataset = await ctx.dataset();
  const { info } = dataset;
  let source: LoadedTrainedPackage;
  try {
    source = await loadTrainedPackage(dir);
  } catch (error) {
    if (error instanceof UnsupportedError)
      throw new UnsupportedError(
        `teacher.from ${dir}: ${error.message}; the teacher must be a trained float package with its TF.js model (edgeml train's output)`,
        { section: 'teacher', key: 'from', from: dir, ...error.details },
      );
    if (error instanceof EdgemlError) throw error;
    throw new ConfigError(`teacher.from ${dir}: cannot load the model package: ${(error as Error).message}`, {
      section: 'teacher',
      key: 'from',
      from: dir,
    });
  }
  checkTeacherMatchesDataset(dir, source, info);
  const { manifest, model } = source;
  const { params, macs } = describeModel(model);
  const pkg = await readModelPackageDir(dir, { verify: false });
  const sourceSummary = manifest.files.some((f) => f.path === 'summary.json')
    ? (JSON.parse(new TextDecoder().decode(await pkg.readFile('summary.json'))) as JsonObject)
    : {};
  const modelName = typeof sourceSummary['model'] === 'string' ? sourceSummary['model'] : manifest.name;
  ctx.note(
    `teacher from ${dir} (${modelName}): ${params.toLocaleString('en-US')} params, ${(macs / 1e6).toFixed(2)} M MACs; not trained here, evaluated on the pipeline's test split`,
  );

  // Evaluated as a trained teacher is: the splits re-normalised to the model's own mean/std.
  const evalOptions = ctx.config.evalImages === null ? {} : { limit: ctx.config.evalImages };
  const forModel = (name: 'validation' | 'test') =>
    renormalizeSplit(dataset.split(name), info.normalization, manifest.preprocessing);
  const validation =
    dataset.split('validation').size > 0
      ? await evaluate(model, forModel('validation'), evalOptions)
      : undefined;
  const test = await evaluate(model, forModel('test'), evalOptions);
  const wallS = (performance.now() - started) / 1000;
  const recorded = manifest.metrics['test_accuracy'];
  const sourceAccuracy = typeof recorded === 'number' ? recorded : (recorded?.value ?? null);
  const summary: JsonObject = {
    ...sourceSummary,
    model: modelName,
    from: dir,
    dataset: info.name,
    params,
    macs,
    val_accuracy: validation?.accuracy ?? null,
    test_accuracy: test.accuracy,
    test_loss: test.loss,
    test_images: test.count,
    source_test_accuracy: sourceAccuracy,
    per_class_test_accuracy: Object.fromEntries(
      info.classNames.map((c, i) => [c, test.perClassAccuracy[i] ?? null]),
    ),
    confusion_matrix: test.confusionMatrix.map((row) => [...row]),
    // The source's training curves (the report draws them), when it has them.
    record: Array.isArray(sourceSummary['record']) ? sourceSummary['record'] : [],
  };
  const step = createLineageStep({
    kind: 'command',
    name: 'pipeline:train',
    config: { from: dir, model: modelName },
    inputs: [
      { name: dir, sha256: source.manifestSha256, kind: 'manifest' },
      { name: info.name, sha256: await sha256Hex(JSON.stringify(info)), kind: 'dataset' },
    ],
    toolVersion: TOOL_VERSION,
    durationMs: Math.round(wallS * 1000),
    report: { val_accuracy: validation?.accuracy ?? null, test_accuracy: test.accuracy },
  });
  const built = await buildPassPackage({
    model,
    name: 'teacher',
    base: manifest,
    metrics: {
      ...(validation && {
        val_accuracy: { value: validation.accuracy, split: 'validation', samples: validation.count },
      }),
      test_accuracy: { value: test.accuracy, split: 'test', samples: test.count },
      test_loss: { value: test.loss, split: 'test', samples: test.count },
    },
    lineage: [...manifest.lineage, step],
    files: [
      {
        path: 'summary.json',
        bytes: `${JSON.stringify(summary, null, 2)}\n`,
        format: 'json',
        role: 'metadata',
      },
    ],
  });
  await savePassPackage(built, join(stageDir, 'teacher'));
  const training = manifest.training;
  return {
    packages: { teacher: 'teacher' },
    files: { summary: 'teacher/summary.json' },
    report: {
      model: modelName,
      from: dir,
      params,
      macs,
      accuracy: test.accuracy,
      testImages: test.count,
      valAccuracy: validation?.accuracy ?? null,
      sourceAccuracy,
      trainImages: training?.samples?.train ?? null,
      epochs: training?.epochs ?? null,
    },
  };
}
