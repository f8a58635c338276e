import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { loadTrainedPackage, selectBackend } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeModelPackage } from './quantize-package.js';
import { writeQuantPackages } from './testing-fixture.js';

describe('quantizeModelPackage', () => {
  let dir: string;
  let source: string;
  let noData: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'edgeml-quantize-'));
    ({ source, noData } = await writeQuantPackages(dir));
  });
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
    const { report } = await quantizeModelPackage(source, out, {
      calibration: 'entropy',
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
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThan(0.85);
    expect(report.latencyMs.map((l) => l.batch)).toEqual([1, 32]);
    expect(report.kernels.int8['QLinearConv']).toBe(3);
    const pkg = await readModelPackageDir(out, { verify: true });
    const paths = pkg.manifest.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['model.int8.onnx', 'model.int8.tflite', 'summary.json']));
    expect(pkg.manifest.files.find((f) => f.path === 'model.int8.tflite')?.precision).toBe('int8');
    expect(pkg.manifest.lineage.at(-1)).toMatchObject({ kind: 'pass', name: 'quantize' });
    // The float model and its metrics stay; the source's other files (an exported model.onnx) come along.
    expect(pkg.manifest.name).toBe('tiny');
    expect(pkg.manifest.metrics).toEqual({ test_accuracy: 0.1 });
    expect(paths).toContain('model.onnx');
    const summary = JSON.parse(new TextDecoder().decode(await pkg.readFile('summary.json')));
    expect(summary.model).toBe('cnn-tiny');
    expect(summary.quantization.calibration).toBe('entropy');
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
    const { report } = await quantizeModelPackage(source, out, {
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
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThan(0.85);
    const pkg = await readModelPackageDir(out, { verify: true });
    expect(pkg.manifest.lineage.at(-1)?.config).toMatchObject({ onnxFormat: 'qoperator' });
    const onnxBytes = await pkg.readFile('model.int8.onnx');
    expect(new TextDecoder().decode(onnxBytes)).toContain('com.microsoft');
  });

  it('keeps the named nodes float (a float Gemm runs between int8 convolutions)', async () => {
    const { report } = await quantizeModelPackage(source, join(dir, 'keep'), {
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
    for (const a of report.accuracy) expect(a.top1Agreement).toBeGreaterThan(0.85);
    const pkg = await readModelPackageDir(join(dir, 'keep'), { verify: true });
    expect(pkg.manifest.files.find((f) => f.path === 'model.int8.onnx')?.precision).toBe('mixed');
    expect(pkg.manifest.lineage.at(-1)?.config).toMatchObject({ keepFloat: ['logits'] });
  });

  it('accuracy-aware mode reports sensitivity and which layers stayed float', async () => {
    const { report } = await quantizeModelPackage(source, join(dir, 'aware'), {
      calibrationImages: 32,
      evalImages: 64,
      latencyRuns: 0,
      maxDrop: 0,
      perTensor: true,
      toolVersion: 'test',
    });
    const aware = report.accuracyAware!;
    expect(aware.maxDrop).toBe(0);
    expect(aware.finalAccuracy).toBeGreaterThanOrEqual(aware.int8Accuracy);
    if (aware.keptFloat.length > 0) expect(aware.sensitivity.length).toBeGreaterThan(0);
    for (const name of aware.keptFloat) expect(report.int8Nodes).not.toContain(name);
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
