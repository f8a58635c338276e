// The training sections take a training config's keys (as `edgeml train --config` reads them),
// checked by the trainer's validator with the section named; the stages hand exactly that config on.
import { ConfigError, type JsonObject } from '@edgeml/core';
import { distillPass, prunePass } from '@edgeml/optimizer';
import { type TrainConfig, validateTrainConfig } from '@edgeml/trainer';
import { describe, expect, it } from 'vitest';
import { estimateStageSeconds } from '../engine/run-pipeline.js';
import { distillPassConfig } from '../stages/distill-stage.js';
import { prunePassConfig } from '../stages/prune-stage.js';
import { teacherTrainConfig } from '../stages/train-stage.js';
import { PIPELINE_CONFIG_SCHEMA } from './config-schema.js';
import { stableSection } from './training-section.js';
import { validatePipelineConfig } from './validate-config.js';

const SGD = { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.0005 };
const CROP_FLIP = { randomCropPadding: 4, horizontalFlip: true };

describe('training sections: a training config', () => {
  it('refuses bad values with the trainer message, the section and the key named', () => {
    const cases: [unknown, string][] = [
      [
        { teacher: { optimizer: { name: 'sgd', momentum: 1.5 } } },
        "teacher: 'optimizer.momentum' must be a number in [0, 1), got 1.5",
      ],
      [
        { teacher: { optimizer: { name: 'sgdx' } } },
        `teacher: 'optimizer.name' must be 'adam', 'adamw' or 'sgd', got "sgdx"`,
      ],
      // The name alone: the declared choice, the message of the CLI flag.
      [
        { distill: { optimizer: 'nope' } },
        `distill: 'optimizer' must be 'adam', 'adamw' or 'sgd', got "nope"`,
      ],
      [
        { prune: { augment: { flip: true } } },
        "prune: unknown key 'augment.flip' in the training config; allowed: 'randomCropPadding', 'horizontalFlip', 'randomResizedCrop', 'colorJitter' or 'cutout'",
      ],
      [
        { teacher: { augment: { randomCropPadding: -1 } } },
        "teacher: 'augment.randomCropPadding' must be a non-negative integer, got -1",
      ],
      [{ distill: { labelSmoothing: 1 } }, "distill: 'labelSmoothing' must be in [0, 1), got 1"],
      [{ distill: { init: 'xavier' } }, `distill: 'init' must be 'he' or 'pytorch', got "xavier"`],
      [
        { teacher: { epochs: 2, schedule: { name: 'cosine', warmupEpochs: 3 } } },
        "teacher: 'schedule.warmupEpochs' must be at most 'epochs' (2), got 3",
      ],
      // prune's epochs are finetuneEpochs.
      [
        { prune: { finetuneEpochs: 1, schedule: { warmupEpochs: 2 } } },
        "prune: 'schedule.warmupEpochs' must be at most 'epochs' (1), got 2",
      ],
      [
        { teacher: { lr: 0.1, optimizer: { name: 'sgd', lr: 0.2 } } },
        "teacher: the learning rate is given twice, 'lr' (0.1) and 'optimizer.lr' (0.2); give one of them (over a preset whose optimizer is an object, such as cifar10's teacher, set 'optimizer.lr')",
      ],
      // A pruned model is not built from the zoo: no init there.
      [{ prune: { init: 'pytorch' } }, "prune: unknown key 'init'"],
      [{ teacher: { from: '' } }, `teacher: 'from' must be a non-empty string or null, got ""`],
    ];
    for (const [json, message] of cases) {
      expect(() => validatePipelineConfig(json), JSON.stringify(json)).toThrow(ConfigError);
      expect(() => validatePipelineConfig(json), JSON.stringify(json)).toThrow(message);
    }
  });

  it('hands the trainer what edgeml train --config would get for the same keys', () => {
    const c = validatePipelineConfig({
      seed: 3,
      teacher: {
        epochs: 4,
        batchSize: 32,
        optimizer: SGD,
        schedule: { name: 'cosine', warmupEpochs: 1 },
        labelSmoothing: 0.1,
        augment: { ...CROP_FLIP, cutout: 8, colorJitter: { brightness: 0.2 } },
      },
      distill: {
        epochs: 3,
        optimizer: 'adamw',
        lr: 0.002,
        init: 'pytorch',
        augment: CROP_FLIP,
        labelSmoothing: 0.05,
      },
      prune: { finetuneEpochs: 2, augment: { horizontalFlip: true }, optimizer: { name: 'sgd', lr: 0.01 } },
    });
    expect(teacherTrainConfig(c)).toEqual(
      validateTrainConfig({
        epochs: 4,
        batchSize: 32,
        seed: 3,
        optimizer: SGD,
        schedule: { name: 'cosine', warmupEpochs: 1 },
        labelSmoothing: 0.1,
        augment: { ...CROP_FLIP, cutout: 8, colorJitter: { brightness: 0.2 } },
      }),
    );
    // The passes validate what the stages give them: the augmentation reaches their trainer config.
    const distill = distillPass.create(distillPassConfig(c)).config;
    const train = distill.train as unknown as TrainConfig;
    expect(train.augment).toEqual({ ...CROP_FLIP, randomResizedCrop: null });
    expect(train.labelSmoothing).toBe(0.05);
    expect(train.optimizer).toMatchObject({ name: 'adamw', lr: 0.002 });
    expect(train).toMatchObject({ epochs: 3, seed: 3 });
    expect(distill.studentOptions).toEqual({ init: 'pytorch' });
    const prune = prunePass.create(prunePassConfig(c)).config.train as unknown as TrainConfig;
    expect(prune.augment).toEqual({ randomCropPadding: 0, horizontalFlip: true, randomResizedCrop: null });
    expect(prune.optimizer).toMatchObject({ name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false });
    expect(prune.epochs).toBe(2);
  });

  it('keeps the stage keys of configs that do not use the new keys', () => {
    const c = validatePipelineConfig({ teacher: { model: 'lenet5', epochs: 2 } });
    expect(Object.keys(stableSection(c.teacher))).toEqual([
      'model',
      'epochs',
      'batchSize',
      'limit',
      'optimizer',
      'lr',
      'schedule',
    ]);
    const used = validatePipelineConfig({ teacher: { augment: { horizontalFlip: true }, init: 'pytorch' } });
    expect(stableSection(used.teacher)).toMatchObject({ augment: { horizontalFlip: true }, init: 'pytorch' });
  });

  it("the schema's training objects have exactly the keys the trainer accepts", () => {
    const teacher = (PIPELINE_CONFIG_SCHEMA['properties'] as Record<string, JsonObject>)['teacher'] as {
      properties: Record<string, JsonObject & { anyOf?: JsonObject[]; properties?: JsonObject }>;
    };
    const allowed = (key: string): string[] => {
      try {
        validateTrainConfig({ [key]: { notAKey: 1 } });
      } catch (error) {
        return [...((error as ConfigError).details['allowed'] as string[])].sort();
      }
      throw new Error(`the trainer accepted ${key}.notAKey`);
    };
    for (const key of ['optimizer', 'schedule']) {
      const object = teacher.properties[key]?.anyOf?.[1] as { properties: JsonObject };
      expect(Object.keys(object.properties).sort(), key).toEqual(allowed(key));
      expect(teacher.properties[key]?.['default']).toBe(key === 'optimizer' ? 'adam' : 'constant');
    }
    expect(Object.keys(teacher.properties['augment']?.properties ?? {}).sort()).toEqual(allowed('augment'));
  });

  it('the ETA counts online teacher logits under augmentation, and only an evaluation for teacher.from', () => {
    // Teacher 100 training images/s (1.5 G MAC/s per thread / 15 M MACs), student 1,000/s.
    const costs = { teacherMacs: 1.5e7, studentMacs: 1.5e6, threads: 1 };
    const sizes = { train: 1000, test: 300 };
    const distill = { epochs: 2, limit: null, baseline: false };
    const cached = validatePipelineConfig({ distill });
    const online = validatePipelineConfig({ distill: { ...distill, augment: { horizontalFlip: true } } });
    // 3 s + teacher logits once (1,000 / 300/s) + 2 epochs of the student + evaluation (300 / 3,000/s).
    expect(estimateStageSeconds('distill', cached, sizes, costs)).toBeCloseTo(3 + 1000 / 300 + 2 + 0.1, 9);
    // Online: the teacher runs on every epoch's images.
    expect(estimateStageSeconds('distill', online, sizes, costs)).toBeCloseTo(3 + 2000 / 300 + 2 + 0.1, 9);
    const from = validatePipelineConfig({ teacher: { from: 'runs/teacher', epochs: 50 } });
    // Validation and test evaluation only: 2 x 300 images at 300/s.
    expect(estimateStageSeconds('train', from, sizes, costs)).toBeCloseTo(3 + 2, 9);
  });
});
