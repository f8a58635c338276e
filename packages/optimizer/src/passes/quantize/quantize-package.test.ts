import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { loadTrainedPackage, selectBackend } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyModel,
  type TrainedFashionModel,
  trainFashionTiny,
  writeFashionPackage,
} from '../../testing/trained-fashion-package.js';
import { quantizeModelPackage } from './quantize-package.js';
import { writeQuantPackages } from './testing-fixture.js';

/**
 * The trained model with every logits column shifted by the same large multiple of one feature:
 * the float model's probabilities are unchanged (softmax ignores a shift common to all logits), but
 * the logits layer's int8 weight scale (per tensor or per column) is set by the outlier, every
 * other weight rounds to 0 and int8 predictions collapse; keeping `logits` float restores them.
 */
async function withLogitsOutlier(trained: TrainedFashionModel): Promise<TrainedFashionModel> {
  const model = await copyModel(trained.model);
  const logits = model.getLayer('logits');
  const [kernel, bias] = logits.getWeights().map((w) => w.arraySync()) as [number[][], number[]];
  kernel[0] = kernel[0]!.map((w) => w + 1000);
  logits.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  return { ...trained, model };
}

/** Least float/int8 top-1 agreement on a trained model (the compression guards' threshold). */
const AGREEMENT = 0.98;

describe('quantizeModelPackage', () => {
  let dir: string;
  let source: string;
  let noData: string;
  /** cnn-tiny trained on Fashion-MNIST (int8 agreement with float means something only there). */
  let trained: string;
  /** The trained model with an outlier that makes its int8 logits layer useless. */
  let outlier: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'edgeml-quantize-'));
    ({ source, noData } = await writeQuantPackages(dir));
    const model = await trainFashionTiny();
    expect(model.testAccuracy).toBeGreaterThan(0.6); // measured 71.1% (chance: 10%)
    trained = join(dir, 'trained-fashion');
    outlier = join(dir, 'outlier-fashion');
    await writeFashionPackage(trained, 'tiny', model);
    await writeFashionPackage(outlier, 'tiny-outlier', await withLogitsOutlier(model));
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plans int8 per runtime (planFor): each plan names the file its runtime then loads from the package', async () => {
    const out = join(dir, 'planned');
    const { report } = await quantizeModelPackage(source, out, {
      calibrationImages: 32,
      evalImages: 32,
      latencyRuns: 0,
      planFor: ['ort-web', 'ort-node'],
      toolVersion: 'test',
    });
    expect(report.plans?.map((p) => p.runtime)).toEqual(['ort-web', 'ort-node']);
    const pkg = await readModelPackageDir(out, { verify: true });
    for (const plan of report.plans!) {
      // Every int8 conv/dense layer was profiled on the runtime; the A/B intervals are ordered.
      expect(plan.layers.length).toBe(
        report.kernels.int8['QLinearConv']! + (report.kernels.int8['QGemm'] ?? 0),
      );
      for (const l of plan.layers) expect(l.int8Us).toBeGreaterThan(0);
      for (const ab of [plan.int8VsFloat, plan.chosenVsFloat]) {
        expect(ab.low).toBeLessThanOrEqual(ab.speedup);
        expect(ab.speedup).toBeLessThanOrEqual(ab.high);
      }
      // Whatever the timings chose, the runtime's pick in the package is the plan's file.
      expect(findModelFile(pkg.manifest, 'onnx', 'int8', plan.runtime).path).toBe(plan.file);
      if (plan.chosen === 'plan') {
        const entry = pkg.manifest.files.find((f) => f.path === plan.file)!;
        expect(entry).toMatchObject({ runtimes: [plan.runtime], precision: 'mixed' });
        expect(plan.keptFloat.length).toBeGreaterThan(0);
        expect(plan.accuracy).toBeGreaterThan(0);
      } else expect(plan.file).toBe('model.int8.onnx');
    }
    // Generic readers (no runtime named) keep the generic int8 file.
    expect(findModelFile(pkg.manifest, 'onnx', 'int8').path).toBe('model.int8.onnx');
  });

  it('refuses planFor with a runtime it cannot profile, or with dynamic quantisation', async () => {
    for (const bad of [{ planFor: ['tflite'] }, { method: 'dynamic', planFor: ['ort-web'] }]) {
      await expect(
        quantizeModelPackage(source, join(dir, 'never'), { ...(bad as object), toolVersion: 'test' }),
      ).rejects.toThrow(ConfigError);
    }
  });

  it('writes model.int8.onnx and model.int8.tflite with a measured report', async () => {
    const out = join(dir, 'int8');
    const { report } = await quantizeModelPackage(trained, out, {
      calibrationImages: 64,
      evalImages: 64,
      latencyRuns: 3,
      toolVersion: 'test',
    });
    expect(report.files.map((f) => f.path)).toEqual(['model.int8.onnx', 'model.int8.tflite']);
    for (const f of report.files) expect(f.int8Bytes).toBeLessThan(f.floatBytes);
    expect(report.accuracy.map((a) => a.runtime)).toEqual([
      'onnxruntime-node',
      'onnxruntime-web (wasm)',
      'tfjs-tflite',
    ]);
    // The same ONNX files in two onnxruntime builds: the same predictions.
    expect(report.accuracy[1]!.float).toBe(report.accuracy[0]!.float);
    expect(Math.abs(report.accuracy[1]!.int8 - report.accuracy[0]!.int8)).toBeLessThanOrEqual(1 / 64);
    // On the trained model int8 (minmax) gives the float top-1 (measured: 64 of 64 in every runtime).
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThanOrEqual(AGREEMENT);
    for (const a of report.accuracy) expect(Math.abs(a.int8 - a.float)).toBeLessThanOrEqual(1 / 64);
    expect(report.latencyMs.map((l) => l.batch)).toEqual([1, 32]);
    expect(report.kernels.int8['QLinearConv']).toBe(3);
    const pkg = await readModelPackageDir(out, { verify: true });
    const paths = pkg.manifest.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['model.int8.onnx', 'model.int8.tflite', 'summary.json']));
    expect(pkg.manifest.files.find((f) => f.path === 'model.int8.tflite')?.precision).toBe('int8');
    expect(pkg.manifest.lineage.at(-1)).toMatchObject({ kind: 'pass', name: 'quantize' });
    // The float model and its metrics stay; the source's other files (an exported model.onnx) come along.
    expect(pkg.manifest.name).toBe('tiny');
    expect(pkg.manifest.metrics).toEqual((await readModelPackageDir(trained)).manifest.metrics);
    expect(paths).toContain('model.onnx');
    const summary = JSON.parse(new TextDecoder().decode(await pkg.readFile('summary.json')));
    expect(summary.model).toBe('cnn-tiny');
    expect(summary.quantization.calibration).toBe('minmax');
  });

  it('qat fine-tunes with fake quantisation and exports the int8 files it simulated', async () => {
    const out = join(dir, 'qat');
    await selectBackend('wasm', { threads: 1 });
    const { report } = await quantizeModelPackage(source, out, {
      method: 'qat',
      qat: { images: 256, epochs: 2, batchSize: 32, learningRate: 1e-3 },
      evalImages: 128,
      latencyRuns: 0,
      toolVersion: 'test',
    }).finally(() => tf.setBackend('cpu'));
    expect(report.method).toBe('qat');
    expect(report.calibration).toBe('qat-moving-average');
    expect(report.calibrationImages).toBe(0);
    expect(report.qat).toMatchObject({ images: 256, epochs: 2, batchSize: 32, steps: 16, backend: 'wasm' });
    expect(report.qat!.epochLosses[1]!).toBeLessThan(report.qat!.epochLosses[0]!);
    expect(report.files.map((f) => f.path)).toEqual(['model.int8.onnx', 'model.int8.tflite']);
    expect(report.floatNodes.map((f) => f.node)).toEqual([expect.stringMatching(/softmax|probs/i)]);
    // (The stand-in model is untrained: fine-tuning changes its predictions, so int8 vs float
    // agreement says nothing here; qat.test.ts checks int8 against the trained simulation.)
    // The ONNX and TFLite int8 files come from the same quantised graph: they agree with each other.
    const ort = report.accuracy.find((a) => a.runtime === 'onnxruntime-node')!;
    const tflite = report.accuracy.find((a) => a.runtime === 'tfjs-tflite')!;
    expect(Math.abs(ort.int8 - tflite.int8)).toBeLessThanOrEqual(2 / 128);
    const pkg = await readModelPackageDir(out, { verify: true });
    expect(pkg.manifest.lineage.at(-1)?.config).toMatchObject({
      method: 'qat',
      qat: { images: 256, epochs: 2 },
    });
    // The package's float model is the fine-tuned one (the source's float export is not carried),
    // measured on the evaluation images.
    expect(pkg.manifest.files.map((f) => f.path)).not.toContain('model.onnx');
    expect(pkg.manifest.metrics['test_accuracy']).toMatchObject({ split: 'test', samples: 128 });
    const [before, after] = await Promise.all([loadTrainedPackage(source), loadTrainedPackage(out)]);
    const batchNorms = (m: tf.LayersModel) =>
      m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    expect([batchNorms(before.model), batchNorms(after.model)]).toEqual([3, 0]); // the export form QAT trains
  });

  it("onnxFormat 'qoperator' writes the integer operators and records the format", async () => {
    const out = join(dir, 'qoperator');
    const { report } = await quantizeModelPackage(trained, out, {
      calibrationImages: 64,
      evalImages: 64,
      latencyRuns: 0,
      onnxFormat: 'qoperator',
      toolVersion: 'test',
    });
    expect(report.onnxFormat).toBe('qoperator');
    expect(report.kernels.int8['QLinearConv']).toBe(3);
    expect(report.kernels.int8['QGemm']).toBe(1);
    for (const float of ['Conv', 'Gemm', 'Relu']) expect(report.kernels.int8[float] ?? 0).toBe(0);
    const [node, web] = report.accuracy;
    expect(Math.abs(web!.int8 - node!.int8)).toBeLessThanOrEqual(1 / 64);
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThanOrEqual(AGREEMENT); // measured 100%
    const pkg = await readModelPackageDir(out, { verify: true });
    expect(pkg.manifest.lineage.at(-1)?.config).toMatchObject({ onnxFormat: 'qoperator' });
    const onnxBytes = await pkg.readFile('model.int8.onnx');
    expect(new TextDecoder().decode(onnxBytes)).toContain('com.microsoft');
  });

  it('keeps the named nodes float (a float Gemm runs between int8 convolutions)', async () => {
    const { report } = await quantizeModelPackage(trained, join(dir, 'keep'), {
      calibrationImages: 32,
      evalImages: 32,
      latencyRuns: 0,
      keepFloat: ['logits'],
      toolVersion: 'test',
    });
    expect(report.floatNodes).toContainEqual({ node: 'logits', reason: 'kept float on request' });
    expect(report.int8Nodes).not.toContain('logits');
    expect(report.kernels.int8['Gemm']).toBe(1);
    expect(report.kernels.int8['QLinearConv']).toBe(3);
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThanOrEqual(AGREEMENT); // measured 100%
    const pkg = await readModelPackageDir(join(dir, 'keep'), { verify: true });
    expect(pkg.manifest.files.find((f) => f.path === 'model.int8.onnx')?.precision).toBe('mixed');
    expect(pkg.manifest.lineage.at(-1)?.config).toMatchObject({ keepFloat: ['logits'] });
  });

  it('accuracy-aware mode keeps the layer that int8 breaks float and meets maxDrop', async () => {
    const { report } = await quantizeModelPackage(outlier, join(dir, 'aware'), {
      calibrationImages: 32,
      evalImages: 128,
      latencyRuns: 0,
      maxDrop: 2,
      perTensor: true,
      toolVersion: 'test',
    });
    const aware = report.accuracyAware!;
    expect(aware.maxDrop).toBe(2);
    // All-int8 collapses (the outlier zeroes the int8 logits weights): measured 68.75% -> 7.81%.
    expect(aware.int8Accuracy).toBeLessThan(aware.floatAccuracy - 0.3);
    // Every int8 conv/dense layer was tried alone; only `logits` gives the accuracy back (68.75%).
    expect(aware.sensitivity.map((s) => s.node)).toEqual(['conv1', 'conv2', 'conv3', 'logits']);
    const regained = Object.fromEntries(aware.sensitivity.map((s) => [s.node, s.accuracyWithLayerFloat]));
    for (const conv of ['conv1', 'conv2', 'conv3'])
      expect(regained[conv]!).toBeLessThan(aware.floatAccuracy - 0.3);
    expect(aware.keptFloat).toEqual(['logits']);
    expect((aware.floatAccuracy - aware.finalAccuracy) * 100).toBeLessThanOrEqual(aware.maxDrop);
    expect(report.floatNodes.map((f) => f.node)).toContain('logits');
    expect(report.int8Nodes).not.toContain('logits');
    expect(report.int8Nodes).toEqual(expect.arrayContaining(['conv1', 'conv2', 'conv3']));
    // The package's int8 file is that mixed model: it gives the float top-1 in every runtime.
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThanOrEqual(AGREEMENT);
  });

  it('rejects bad configuration and models without calibration data with typed errors', async () => {
    const base = { toolVersion: 'test', latencyRuns: 0 };
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, calibrationImages: 0 }),
    ).rejects.toThrow(ConfigError);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, method: 'int4' as never }),
    ).rejects.toThrow(/'method' must be/);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, method: 'qat', qat: { epochs: 0 } }),
    ).rejects.toThrow(/quantize.qat: 'epochs' must be an integer/);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, qat: { epochs: 1 } }),
    ).rejects.toThrow(/need method 'qat'/);
    await expect(quantizeModelPackage(noData, join(dir, 'x'), { ...base, method: 'qat' })).rejects.toThrow(
      /model 'tiny' records no data set it was trained on/,
    );
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, calibration: 'kl' as never }),
    ).rejects.toThrow(ConfigError);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, onnxFormat: 'qop' as never }),
    ).rejects.toThrow(/'onnxFormat' must be 'qdq' or 'qoperator', got "qop"/);
    await expect(quantizeModelPackage(noData, join(dir, 'x'), base)).rejects.toThrow(/records no data set/);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, method: 'qat', calibration: 'entropy' }),
    ).rejects.toThrow(/'calibration': calibration settings apply to method 'ptq' only/);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, maxDrop: 0.5, evalImages: 0 }),
    ).rejects.toThrow(/'maxDrop' needs .* evaluation images/);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, method: 'dynamic', onnxFormat: 'qoperator' }),
    ).rejects.toThrow(/dynamic quantisation writes QDQ/);
    await expect(
      quantizeModelPackage(source, join(dir, 'x'), { ...base, keepFloat: ['fc9'] }),
    ).rejects.toThrow(/'keepFloat' names node 'fc9', which model 'tiny' does not have; its nodes: /);
  });
});
