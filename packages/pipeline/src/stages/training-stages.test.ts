// The train and distill stages on a tiny Fashion-MNIST budget, run by the pipeline's runner: the
// training keys of the sections reach the trainer (the lineage of the packages records them, and
// augmentation changes what the teacher learns: the same run without it gives another training
// loss; the distill pass switches its teacher logits online because the student's images are
// augmented), and `teacher.from` loads a trained teacher instead of training one: it scores
// exactly what the package it came from scored on the same test images, and a package of another
// data set, an int8-only package or a missing one is refused with a typed error.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DatasetMismatchError, type JsonObject, UnsupportedError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { type DatasetInfo, loadTrainedPackage } from '@edgeml/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeConfig, validatePipelineConfig } from '../config/validate-config.js';
import { runPipeline } from '../engine/run-pipeline.js';
import { distillStage } from './distill-stage.js';
import { checkTeacherMatchesDataset } from './teacher-from.js';
import { trainStage } from './train-stage.js';

const VIEW = {
  note: () => {},
  progress: () => ({ onProgress: () => {}, stop: () => {} }),
};

const AUGMENT = { randomCropPadding: 2, horizontalFlip: true };

const BASE = {
  backend: 'wasm',
  threads: 1,
  evalImages: 200,
  teacher: {
    model: 'lenet5',
    epochs: 1,
    batchSize: 32,
    limit: 256,
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.0005 },
    schedule: { name: 'cosine', warmupEpochs: 1 },
    labelSmoothing: 0.1,
    augment: AUGMENT,
  },
  distill: {
    student: 'lenet5',
    init: 'pytorch',
    epochs: 1,
    batchSize: 32,
    limit: 256,
    baseline: false,
    augment: { horizontalFlip: true },
  },
};

type Lineage = { name: string; config: JsonObject }[];

async function stageRecord(runDir: string, stage: string): Promise<{ report: JsonObject }> {
  return JSON.parse(await readFile(join(runDir, stage, 'stage.json'), 'utf8'));
}

async function lineageOf(dir: string): Promise<Lineage> {
  return (await readModelPackageDir(dir)).manifest.lineage as unknown as Lineage;
}

async function summaryOf(dir: string): Promise<{ record: { loss: number }[]; test_accuracy: number }> {
  return JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
}

describe('training stages on tiny data', () => {
  let root: string;
  const run = async (name: string, override: unknown, stages = [trainStage]) => {
    const out = join(root, name);
    const config = validatePipelineConfig(mergeConfig(mergeConfig(BASE, override), { out }));
    await runPipeline(config, VIEW, stages);
    return out;
  };
  let augmented: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-training-stages-'));
    augmented = await run('augmented', {}, [trainStage, distillStage]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('the teacher trains with the section’s augmentation, label smoothing and SGD, as its lineage records', async () => {
    const [step] = (await lineageOf(join(augmented, 'train', 'teacher'))).slice(-1);
    expect(step?.name).toBe('pipeline:train');
    expect(step?.config).toMatchObject({
      model: 'lenet5',
      init: 'he',
      augment: { ...AUGMENT, randomResizedCrop: null },
      labelSmoothing: 0.1,
      optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.0005 },
      schedule: { name: 'cosine', warmupEpochs: 1 },
    });
    expect((await stageRecord(augmented, 'train')).report).toMatchObject({
      augment: { ...AUGMENT, randomResizedCrop: null },
      labelSmoothing: 0.1,
    });
  });

  it('augmentation is applied: without it the same run (same seed, same images) learns otherwise', async () => {
    const plain = await run('plain', {
      teacher: { augment: { randomCropPadding: 0, horizontalFlip: false } },
    });
    const [step] = (await lineageOf(join(plain, 'train', 'teacher'))).slice(-1);
    expect(step?.config).toMatchObject({
      augment: { randomCropPadding: 0, horizontalFlip: false },
      labelSmoothing: 0.1,
    });
    const a = (await summaryOf(join(augmented, 'train', 'teacher'))).record[0]?.loss ?? Number.NaN;
    const b = (await summaryOf(join(plain, 'train', 'teacher'))).record[0]?.loss ?? Number.NaN;
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(Math.abs(a - b)).toBeGreaterThan(1e-4);
  });

  it('the distilled student gets the section’s augmentation and init; the pass runs the teacher online', async () => {
    const [step] = (await lineageOf(join(augmented, 'distill', 'student'))).slice(-1);
    expect(step?.name).toBe('distill');
    expect(step?.config).toMatchObject({
      studentOptions: { init: 'pytorch' },
      train: { augment: { randomCropPadding: 0, horizontalFlip: true }, epochs: 1, limit: 256 },
    });
    const { report } = await stageRecord(augmented, 'distill');
    expect(report.augment).toEqual({ randomCropPadding: 0, horizontalFlip: true, randomResizedCrop: null });
    // The pass decides from its training config: flipped images cannot use cached teacher logits.
    expect(report.teacherLogits).toBe('online (augmentation or mixup is on)');
  });

  it('teacher.from loads the trained teacher and scores exactly what it scored, with its curves kept', async () => {
    const source = join(augmented, 'train', 'teacher');
    // Another model and epochs in the section: unused, the package is loaded, not trained.
    const loaded = await run('from', { teacher: { from: source, model: 'cnn-tiny', epochs: 3 } }, [
      trainStage,
      distillStage,
    ]);
    const { report } = await stageRecord(loaded, 'train');
    const { report: trained } = await stageRecord(augmented, 'train');
    expect(report.accuracy).toBe(trained.accuracy);
    expect(report.testImages).toBe(200);
    expect(report).toMatchObject({
      model: 'lenet5',
      from: source,
      params: trained.params,
      macs: trained.macs,
    });
    expect(report.sourceAccuracy).toBe(trained.accuracy);
    const teacher = join(loaded, 'train', 'teacher');
    const lineage = await lineageOf(teacher);
    expect(lineage.map((s) => s.name)).toEqual(['pipeline:train', 'pipeline:train']);
    expect(lineage[1]?.config).toEqual({ from: source, model: 'lenet5' });
    expect((await summaryOf(teacher)).record).toEqual((await summaryOf(source)).record);
    // The distill pass runs on the loaded teacher and measures it as the train stage did.
    expect((await stageRecord(loaded, 'distill')).report.teacherAccuracy).toBe(trained.accuracy);
    // The same weights.
    const a = await loadTrainedPackage(source);
    const b = await loadTrainedPackage(teacher);
    expect(b.model.getWeights().map((w) => [...w.dataSync()])).toEqual(
      a.model.getWeights().map((w) => [...w.dataSync()]),
    );
  });

  it('teacher.from refuses a package of another data set, classes or input shape, an int8-only one and a missing one', async () => {
    const source = join(augmented, 'train', 'teacher');
    const pkg = await loadTrainedPackage(source);
    const names = pkg.manifest.labels;
    // The facts the check reads of the pipeline's data set.
    const fake = {
      name: 'fashion-mnist',
      classNames: names,
      inputShape: [28, 28, 1],
    } as unknown as DatasetInfo;
    expect(() => checkTeacherMatchesDataset(source, pkg, fake)).not.toThrow();
    expect(() => checkTeacherMatchesDataset(source, pkg, { ...fake, name: 'mnist' })).toThrow(
      DatasetMismatchError,
    );
    expect(() => checkTeacherMatchesDataset(source, pkg, { ...fake, name: 'mnist' })).toThrow(
      `teacher.from ${source}: the model was trained on data set 'fashion-mnist', the pipeline's data set is 'mnist'`,
    );
    expect(() => checkTeacherMatchesDataset(source, pkg, { ...fake, classNames: names.slice(0, 5) })).toThrow(
      /^teacher\.from .*: the data does not match the model: model 'teacher' has 10 classes .*, data set 'fashion-mnist' has 5 classes/,
    );
    expect(() => checkTeacherMatchesDataset(source, pkg, { ...fake, inputShape: [32, 32, 3] })).toThrow(
      /takes \[28, 28, 1\] images, data set 'fashion-mnist' has \[32, 32, 3\]/,
    );
    // The committed example model holds int8 ONNX/TFLite files only: no TF.js model to distil from.
    const int8Only = join(import.meta.dirname, '../../../../examples/models/resnet8-cifar10-int8');
    const refused = await run('int8-only', { teacher: { from: int8Only } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(UnsupportedError);
    expect(refused?.message).toMatch(
      /^teacher\.from .*resnet8-cifar10-int8: model package '.*' has no tfjs-layers model; it holds model\.int8\.onnx/,
    );
    const missing = join(root, 'no-such-package');
    await expect(run('missing', { teacher: { from: missing } })).rejects.toThrow(ConfigError);
    await expect(run('missing', { teacher: { from: missing } })).rejects.toThrow(
      `teacher: 'from' must be a model package directory (with manifest.json, as edgeml train writes), got '${missing}'`,
    );
  });
});
