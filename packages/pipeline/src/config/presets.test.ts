import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildModel, describeModel, validateTrainConfig, zooModelTraits } from '@edgeml/trainer';
import { describe, expect, it } from 'vitest';
import { teacherTrainConfig } from '../stages/train-stage.js';
import { loadPipelineConfig } from './load-config.js';
import { PRESET_NAMES, PRESETS } from './presets.js';
import { mergeConfig, validatePipelineConfig } from './validate-config.js';

describe('presets', () => {
  it('every preset validates against the declarations and fills every section', async () => {
    for (const name of PRESET_NAMES) {
      const config = await loadPipelineConfig(name, undefined, undefined);
      for (const section of [
        'dataset',
        'objective',
        'teacher',
        'distill',
        'prune',
        'quantize',
        'export',
        'package',
        'bench',
      ])
        expect(config, `${name}.${section}`).toHaveProperty(section);
    }
  });

  it('cifar10 resolves to a resnet8 teacher on CIFAR-10, a distilled cnn-tiny, structured pruning, int8, three packages', async () => {
    const c = await loadPipelineConfig('cifar10', undefined, 'runs/cifar10-test');
    expect(c.out).toBe('runs/cifar10-test');
    expect(c.dataset.name).toBe('cifar10');
    // Every image: 45,000 training (10% carved for validation), 10,000 test.
    expect(c.dataset.validationSize).toBeNull();
    expect(c.evalImages).toBeNull();
    expect(c.teacher).toMatchObject({
      model: 'resnet8',
      from: null,
      epochs: 5,
      batchSize: 128,
      limit: null,
    });
    // The teacher trains with the recipe of the committed ResNet-8 (its train-config.json), cut to
    // 5 epochs: the trainer gets the same config but for the epochs.
    const recipe = JSON.parse(
      await readFile(
        join(import.meta.dirname, '../../../../examples/models/resnet8-cifar10-int8/train-config.json'),
        'utf8',
      ),
    );
    expect(teacherTrainConfig(c)).toEqual(validateTrainConfig({ ...recipe, epochs: 5, seed: c.seed }));
    expect(teacherTrainConfig(c)).toMatchObject({
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.0005 },
      schedule: { name: 'cosine', warmupEpochs: 1 },
      labelSmoothing: 0.1,
      augment: { randomCropPadding: 4, horizontalFlip: true },
    });
    expect(c.distill).toMatchObject({
      student: 'cnn-tiny',
      epochs: 6,
      baseline: false,
      teacherLogits: 'cached',
      augment: { randomCropPadding: 4, horizontalFlip: true },
    });
    expect(c.prune).toMatchObject({
      method: 'structured',
      sparsity: 0.25,
      finetuneEpochs: 2,
      augment: { randomCropPadding: 4, horizontalFlip: true },
    });
    expect(c.quantize).toMatchObject({ method: 'ptq', calibrationImages: 1024 });
    expect(c.package).toMatchObject({ targets: ['worker', 'web', 'mobile'], precision: 'int8' });
    expect(c.bench.targets).toEqual(['ort-node', 'ort-web', 'tflite']);
    // Keys the preset leaves out take the declared defaults: the objective's 1-point budget.
    expect(c.objective.maxAccuracyDrop).toBe(1);
    expect(c.objective.targets).toEqual(['worker']);
  });

  it('cifar10: the student is smaller and cheaper than the teacher on 32x32x3 CIFAR images', () => {
    const c = validatePipelineConfig(PRESETS.cifar10, "preset 'cifar10'");
    const options = { inputShape: [32, 32, 3] as const, numClasses: 10 };
    for (const name of [c.teacher.model, c.distill.student])
      expect(zooModelTraits(name).minInputSize).toBeLessThanOrEqual(32);
    const teacher = buildModel(c.teacher.model, options);
    const student = buildModel(c.distill.student, options);
    const t = describeModel(teacher);
    const s = describeModel(student);
    // resnet8 78,714 params and 12.50 M MACs; cnn-tiny 6,530 and 0.81 M (the trainer README's table).
    expect(t.params).toBe(78_714);
    expect(s.params).toBe(6_530);
    expect(t.macs / s.macs).toBeGreaterThan(10);
    teacher.dispose();
    student.dispose();
  });

  it('a config file is laid over cifar10 key by key, and bad values are refused as in any config', () => {
    const merged = mergeConfig(PRESETS.cifar10, { teacher: { epochs: 18 } }) as Record<string, unknown>;
    const c = validatePipelineConfig(merged, 'test');
    expect(c.teacher.epochs).toBe(18);
    expect(c.teacher.model).toBe('resnet8');
    expect(() =>
      validatePipelineConfig(mergeConfig(PRESETS.cifar10, { prune: { sparsity: 1.2 } }), 'test'),
    ).toThrow("prune: 'sparsity' must be in [0, 1), got 1.2");
    // The teacher's optimizer is an object: a config's keys are merged into it.
    const slower = validatePipelineConfig(
      mergeConfig(PRESETS.cifar10, { teacher: { optimizer: { lr: 0.05 } } }),
      'test',
    );
    expect(teacherTrainConfig(slower).optimizer).toMatchObject({ name: 'sgd', lr: 0.05, nesterov: true });
    expect(() =>
      validatePipelineConfig(mergeConfig(PRESETS.cifar10, { teacher: { lr: 0.05 } }), 'test'),
    ).toThrow("teacher: the learning rate is given twice, 'lr' (0.05) and 'optimizer.lr' (0.1)");
  });
});
