/**
 * The committed example model (examples/models/resnet8-cifar10-int8/): the int8 ResNet-8 that the
 * demo page, the Worker example and the mobile snippets serve without training. Its package must
 * verify (every file's SHA-256), hold only the int8 files, and its manifest's accuracies must be
 * what it really scores on the 10,000 real CIFAR-10 test images: every test image goes through
 * createClassifier (the manifest's preprocessing from the raw 8-bit pixels, as a user's image
 * would) on each runtime the metrics name, and the count of correct top-1 answers is compared with
 * the recorded value. A model trained on other data, a wrong normalisation or a swapped file fails.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { main } from '@edgeml/cli';
import type { MeasuredMetric, MetricValue } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { readCifarBatch } from '@edgeml/trainer';
import { beforeAll, describe, expect, it } from 'vitest';

const MODEL_DIR = resolve(import.meta.dirname, '../examples/models/resnet8-cifar10-int8');
/** MLPerf Tiny's quality target for ResNet-8 is 85% float; the issue asks 84.5% for int8. */
const INT8_TARGET = 0.845;
/**
 * Images whose answer may differ from the recorded run: edgeml quantize evaluated the data set's
 * normalised tensors, classify() normalises the 8-bit pixels itself (float rounding can move an
 * input across an int8 quantisation step). 0.1% = 10 images.
 */
const TOLERANCE = 0.001;

interface TestSplit {
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
}

function measured(metric: MetricValue | undefined, key: string): MeasuredMetric {
  if (metric === undefined || typeof metric === 'number')
    throw new Error(`metric ${key} is not a measured record`);
  return metric;
}

describe('examples/models/resnet8-cifar10-int8', () => {
  let test: TestSplit;

  beforeAll(async () => {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('cifar-10/package.json'));
    test = await readCifarBatch(join(root, 'cifar-10-batches-bin22', 'test_batch.bin'));
  });

  it('is a verified int8-only package of a resnet8 trained on cifar10, 60-400 KiB', async () => {
    const { manifest } = await readModelPackageDir(MODEL_DIR, { verify: true });
    expect(manifest.name).toMatch(/resnet8/);
    expect(manifest.data?.name).toBe('cifar10');
    expect(manifest.input.shape).toEqual([32, 32, 3]);
    const models = manifest.files.filter((f) => f.role === 'model');
    expect(models.map((f) => f.precision)).toEqual(models.map(() => 'int8'));
    expect(models.map((f) => f.path)).toEqual(
      expect.arrayContaining(['model.int8.onnx', 'model.int8.tflite']),
    );
    const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    expect(bytes).toBeGreaterThan(60 * 1024);
    expect(bytes).toBeLessThan(400 * 1024);
    expect(measured(manifest.metrics['test_accuracy'], 'test_accuracy').samples).toBe(10_000);
  });

  it('is loaded as int8 when no precision is asked for (the package holds no float32 model)', async () => {
    for (const runtime of ['ort-node', 'tflite'] as const) {
      const classifier = await createClassifier(MODEL_DIR, { runtime });
      expect(classifier.precision).toBe('int8');
      expect(classifier.file.precision).toBe('int8');
      await classifier.dispose();
    }
  });

  it('is packaged for the web as int8, compiled from its model.int8.onnx, when no option is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeml-example-web-'));
    try {
      expect(
        await main(['package', '--model', MODEL_DIR, '--target', 'web', '--out', join(dir, 'web')]),
      ).toBe(0);
      // No --precision: int8 (the package holds no float model). No --runtime: the packager
      // compiles model.int8.onnx into its own module (no data needed) and the page ships only that.
      const files = (await readdir(join(dir, 'web', 'model'))).sort();
      expect(files).toEqual(['manifest.json', 'model.int8.wasm']);
      const page = await createClassifier(join(dir, 'web', 'model'), { runtime: 'edgeml-wasm' });
      const reference = await createClassifier(MODEL_DIR, { runtime: 'ort-node', precision: 'int8' });
      try {
        expect(page.file.path).toBe('model.int8.wasm');
        // The compiled module computes as onnxruntime does: the same scores on 50 real test images.
        for (let i = 0; i < 50; i++) {
          const image = {
            data: test.pixels.subarray(i * 3072, (i + 1) * 3072),
            width: 32,
            height: 32,
            channels: 3,
          };
          const [a, b] = await Promise.all([
            page.classify(image, { topK: 10 }),
            reference.classify(image, { topK: 10 }),
          ]);
          expect(a.predictions.map((p) => p.label)).toEqual(b.predictions.map((p) => p.label));
          for (const [i, p] of a.predictions.entries()) {
            expect(Math.abs(p.probability - b.predictions[i]!.probability)).toBeLessThanOrEqual(1e-6);
          }
        }
      } finally {
        await Promise.all([page.dispose(), reference.dispose()]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  const RUNS = [
    { runtime: 'ort-node', metric: 'test_accuracy' },
    { runtime: 'ort-web', metric: 'test_accuracy_onnxruntime_web' },
    { runtime: 'tflite', metric: 'test_accuracy_tflite' },
  ] as const;

  for (const { runtime, metric } of RUNS) {
    it(`scores its recorded ${metric} on the 10,000 CIFAR-10 test images in ${runtime}`, async () => {
      const classifier = await createClassifier(MODEL_DIR, { runtime, precision: 'int8', verify: true });
      const recorded = measured(classifier.manifest.metrics[metric], metric);
      expect(recorded.split).toBe('test');
      expect(recorded.samples).toBe(test.labels.length);
      let correct = 0;
      try {
        for (let i = 0; i < test.labels.length; i++) {
          const data = test.pixels.subarray(i * 3072, (i + 1) * 3072);
          const { predictions } = await classifier.classify(
            { data, width: 32, height: 32, channels: 3 },
            { topK: 1 },
          );
          if (predictions[0]?.index === test.labels[i]) correct++;
        }
      } finally {
        await classifier.dispose();
      }
      const accuracy = correct / test.labels.length;
      console.log(
        `${runtime}: ${(accuracy * 100).toFixed(2)}% (recorded ${(recorded.value * 100).toFixed(2)}%)`,
      );
      expect(Math.abs(accuracy - recorded.value)).toBeLessThanOrEqual(TOLERANCE);
      expect(accuracy).toBeGreaterThanOrEqual(INT8_TARGET);
    }, 180_000);
  }
});
