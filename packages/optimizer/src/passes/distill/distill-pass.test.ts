import { ConfigError } from '@edgeml/core';
import { buildModel, selectBackend, train } from '@edgeml/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PassPackage, packageFromModel } from '../../pipeline/pass-package.js';
import { toyDataset } from '../../pipeline/testing/toy-data.js';
import { distillPass } from './distill-pass.js';

const data = toyDataset({ train: 192 });
let teacher: PassPackage;

beforeAll(async () => {
  // wasm (1 thread): several times faster than cpu for these training steps.
  await selectBackend('wasm', { threads: 1 });
  const model = buildModel('cnn-tiny', { inputShape: [12, 12, 1], numClasses: 4, seed: 7 });
  await train(model, data, { epochs: 3, batchSize: 32, optimizer: { lr: 0.01 }, seed: 7 });
  teacher = await packageFromModel(model, 'teacher', data.info);
});

describe('distill pass', { timeout: 120_000 }, () => {
  it('trains the student on cached teacher logits (one teacher pass per training image) and reports all three', async () => {
    const { output, report } = await distillPass
      .create({
        student: 'cnn-tiny',
        temperature: 4,
        alpha: 0.9,
        train: { epochs: 2, batchSize: 32, seed: 1 },
      })
      .run(teacher, { toolVersion: 'test', dataset: data });
    expect(report.teacherImagesRun).toBe(192);
    expect(report.teacherLogits).toBe('cached');
    expect(report.scratch).not.toBeNull();
    expect(report.distilled.params).toBe(report.scratch!.params);
    expect(report.teacher.accuracy).toBeGreaterThan(0.5);
    expect(output.manifest.lineage.at(-1)).toMatchObject({
      name: 'distill',
      config: { temperature: 4, alpha: 0.9 },
    });
  });

  it('computes teacher logits online when augmentation is on', async () => {
    const { report } = await distillPass
      .create({
        baseline: false,
        train: { epochs: 1, batchSize: 32, augment: { randomCropPadding: 1 } },
      })
      .run(teacher, { toolVersion: 'test', dataset: data });
    expect(report.teacherLogits).toMatch(/^online/);
    expect(report.scratch).toBeNull();
  });

  it('a student with another class count is a ConfigError', async () => {
    const pass = distillPass.create({ studentOptions: { numClasses: 3 }, train: { epochs: 1 } });
    await expect(pass.run(teacher, { toolVersion: 'test', dataset: data })).rejects.toThrow(ConfigError);
    await expect(pass.run(teacher, { toolVersion: 'test', dataset: data })).rejects.toThrow(
      /student 'cnn-tiny' has 3 classes but the teacher has 4/,
    );
  });
});
