/**
 * Compression guards on a trained model: the fixture (test/support/trained-fixture.ts: lenet5 on
 * real MNIST, wasm backend, seeded) goes through the real passes by their public APIs, and each
 * pass's own report, measured on the whole MNIST test split (1,501 images), is held to the
 * thresholds of issue 19: a distilled student at least as accurate as the same student from scratch
 * minus 1 point; structured and magnitude pruning after fine-tuning within 2 points; int8 PTQ within
 * 0.5 points and 98% top-1 agreement; the accuracy-aware fallback within its `maxDrop`.
 *
 * Measured (wasm backend, 2 busy cores; the whole file ~90 s, of which training the fixture ~22-30 s):
 * - fixture: lenet5 (61,706 params), 5 epochs on MNIST's 7,649 training images: 95.80%.
 * - distill: cnn-tiny (6,386 params), 10 epochs on 1,024 images, T = 1, alpha = 0.9: distilled
 *   89.54% vs 88.47% from scratch (+1.07 points; threshold -1). The CLI's defaults (T = 4, alpha =
 *   0.9) give a worse student on this budget (78.41%, -10 points; 93.60% vs 94.74% after 6 epochs on
 *   all 7,649 images), also on the cpu backend: the guard pins T = 1, where distillation helps.
 * - structured 50%: 35,820 params, 67.55% before and 96.14% after 2 fine-tuning epochs (+0.33).
 * - magnitude 75%: 15,604 nonzero, 85.61% before and 96.87% after 2 fine-tuning epochs (+1.07).
 *   (Fine-tuning is more training for a 5-epoch model, so both end above the original.)
 * - int8 PTQ (minmax, 512 images) of the exported package: 95.80% in onnxruntime-node and -web
 *   (99.80% agreement), 95.60% in tfjs-tflite (-0.20 points, 99.73%).
 * - accuracy-aware, per-tensor, maxDrop 0: int8 95.74% (-0.07), `logits` kept float: 95.87%.
 * - export parity of the trained and the pruned model: max |dp| <= 1e-5, top-1 identical.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  distillPass,
  exportModelPackage,
  loadPassPackage,
  parityImagesFor,
  prunePass,
  quantizeModelPackage,
  quantizePass,
  savePassPackage,
} from '@edgeml/optimizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrainedFixture, trainFixturePackage } from './support/trained-fixture.js';

/** MNIST's test split: every accuracy below is measured on all of it. */
const TEST_IMAGES = 1501;
/** One accuracy point. */
const POINT = 0.01;

const root = mkdtempSync(join(tmpdir(), 'edgeml-compression-'));
let fixture: TrainedFixture;
const context = () => ({ toolVersion: 'test', dataset: fixture.dataset });

beforeAll(async () => {
  fixture = await trainFixturePackage(root);
  console.log(`fixture: ${(fixture.testAccuracy * 100).toFixed(2)}% in ${fixture.seconds.toFixed(1)} s`);
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compression guards on a trained MNIST lenet5', { timeout: 180_000 }, () => {
  it('the fixture is a trained model (well above chance on the whole test split)', () => {
    expect(fixture.testAccuracy).toBeGreaterThan(0.95);
    expect(fixture.teacher.manifest.metrics['test_accuracy']).toMatchObject({ samples: TEST_IMAGES });
  });

  it('distillation: the distilled cnn-tiny is at least as accurate as the same student from scratch, minus 1 point', async () => {
    const { output, report } = await distillPass
      .create({
        student: 'cnn-tiny',
        temperature: 1,
        alpha: 0.9,
        train: {
          epochs: 10,
          batchSize: 32,
          limit: 1024,
          seed: 7,
          optimizer: { lr: 0.005 },
          schedule: { name: 'cosine' },
        },
      })
      .run(fixture.teacher, context());
    expect(report.testImages).toBe(TEST_IMAGES);
    expect(report.scratch).not.toBeNull();
    expect(report.distilled.params).toBe(report.scratch!.params);
    expect(report.distilled.params).toBeLessThan(report.teacher.params / 5);
    expect(report.distilled.accuracy).toBeGreaterThanOrEqual(report.scratch!.accuracy - 1 * POINT);
    expect(output.manifest.metrics['test_accuracy']).toMatchObject({ value: report.distilled.accuracy });
  });

  it('structured pruning: half the channels removed, within 2 points after fine-tuning', async () => {
    const { output, report } = await prunePass
      .create({
        method: 'structured',
        sparsity: 0.5,
        finetuneEpochs: 2,
        train: { batchSize: 32, seed: 7, optimizer: { lr: 0.001 } },
      })
      .run(fixture.teacher, context());
    expect(report.testImages).toBe(TEST_IMAGES);
    expect(report.original.accuracy).toBeCloseTo(fixture.testAccuracy, 6);
    expect(report.pruned.params).toBeLessThan(report.original.params * 0.7);
    expect(report.beforeFinetune.accuracy).toBeLessThan(report.original.accuracy - 5 * POINT);
    expect(report.pruned.accuracy).toBeGreaterThan(report.beforeFinetune.accuracy);
    expect(report.pruned.accuracy).toBeGreaterThanOrEqual(report.original.accuracy - 2 * POINT);
    // The pruned package saves, loads and exports like any other; ONNX matches its TF.js model.
    const dir = join(root, 'structured');
    await savePassPackage(output, dir);
    const loaded = await loadPassPackage(dir);
    const exported = await exportModelPackage(dir, join(root, 'structured-export'), {
      formats: ['onnx'],
      parityImages: await parityImagesFor(loaded.manifest, fixture.dataset, 256),
      toolVersion: 'test',
    });
    for (const p of exported.files[0]!.parity) {
      expect(p.maxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect(p.top1Agreement).toBe(1);
    }
  });

  it('magnitude pruning: 75% of the weights zero, within 2 points after fine-tuning', async () => {
    const { report } = await prunePass
      .create({
        method: 'magnitude',
        sparsity: 0.75,
        finetuneEpochs: 2,
        train: { batchSize: 32, seed: 7, optimizer: { lr: 0.001 } },
      })
      .run(fixture.teacher, context());
    expect(report.testImages).toBe(TEST_IMAGES);
    expect(report.pruned.nonzeroParams).toBeLessThan(report.original.params * 0.35);
    expect(report.beforeFinetune.accuracy).toBeLessThan(report.original.accuracy - 5 * POINT);
    expect(report.pruned.accuracy).toBeGreaterThan(report.beforeFinetune.accuracy);
    expect(report.pruned.accuracy).toBeGreaterThanOrEqual(report.original.accuracy - 2 * POINT);
  });

  it('int8 PTQ of the exported package: within 0.5 points and 98% agreement in every runtime', async () => {
    const exported = join(root, 'export');
    const result = await exportModelPackage(fixture.dir, exported, {
      formats: ['onnx', 'tflite'],
      parityImages: await parityImagesFor(fixture.teacher.manifest, fixture.dataset, 256),
      toolVersion: 'test',
    });
    for (const file of result.files) {
      for (const p of file.parity) {
        expect(p.maxAbsDiff, `${file.format} ${p.runtime}`).toBeLessThanOrEqual(1e-5);
        expect(p.top1Agreement).toBe(1);
      }
    }
    const { report } = await quantizeModelPackage(exported, join(root, 'int8'), {
      method: 'ptq',
      evalImages: TEST_IMAGES,
      latencyRuns: 0,
      toolVersion: 'test',
    });
    expect(report.evalImages).toBe(TEST_IMAGES);
    expect(report.accuracy.map((a) => a.runtime)).toHaveLength(3);
    for (const a of report.accuracy) {
      expect(a.float, a.runtime).toBeCloseTo(fixture.testAccuracy, 6);
      expect(a.int8, a.runtime).toBeGreaterThanOrEqual(a.float - 0.5 * POINT);
      expect(a.top1Agreement, a.runtime).toBeGreaterThanOrEqual(0.98);
    }
  });

  it('accuracy-aware PTQ: layers fall back to float until the drop is within maxDrop', async () => {
    // lenet5 loses at most a few images in int8, so only maxDrop 0 (per-tensor) makes the search run.
    const maxDrop = 0;
    const { report } = await quantizePass
      .create({ method: 'ptq', perTensor: true, evalImages: TEST_IMAGES, maxDrop, latencyRuns: 0 })
      .run(fixture.teacher, context());
    const aware = report.accuracyAware!;
    expect(aware.floatAccuracy).toBeCloseTo(fixture.testAccuracy, 6);
    expect((aware.floatAccuracy - aware.int8Accuracy) * 100).toBeGreaterThan(maxDrop);
    expect(aware.sensitivity.length).toBeGreaterThan(0);
    expect(aware.keptFloat.length).toBeGreaterThan(0);
    for (const node of aware.keptFloat) expect(report.floatNodes.map((f) => f.node)).toContain(node);
    expect((aware.floatAccuracy - aware.finalAccuracy) * 100).toBeLessThanOrEqual(maxDrop);
    // The promise holds for the file written, measured again by the report.
    const node = report.accuracy.find((a) => a.runtime === 'onnxruntime-node')!;
    expect(node.int8).toBeCloseTo(aware.finalAccuracy, 9);
    expect(node.float - node.int8).toBeLessThanOrEqual(maxDrop * POINT);
  });
});
