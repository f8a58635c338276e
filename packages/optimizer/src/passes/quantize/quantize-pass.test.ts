import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@edgeml/core';
import { type Dataset, loadModelDataset } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPassPackage, type PassPackage } from '../../pipeline/pass-package.js';
import { PASSES } from '../../pipeline/registry.js';
import { quantizeModelPackage } from './quantize-package.js';
import { quantizePass } from './quantize-pass.js';
import { writeQuantPackages } from './testing-fixture.js';

describe('quantizePass config', () => {
  it('fills in the defaults, null where a setting does not apply, and validates its own output', () => {
    const ptq = quantizePass.create().config;
    expect(ptq).toEqual({
      method: 'ptq',
      calibration: 'minmax',
      percentile: 99.99,
      calibrationImages: 512,
      evalImages: 1000,
      perTensor: false,
      maxDrop: null,
      keepFloat: [],
      onnxFormat: 'qdq',
      latencyRuns: 200,
      planFor: [],
      qat: null,
    });
    const qat = quantizePass.create({ method: 'qat', qat: { epochs: 2 } }).config;
    expect(qat).toMatchObject({ calibration: null, calibrationImages: null });
    expect(qat.qat).toEqual({
      images: null,
      epochs: 2,
      batchSize: 64,
      learningRate: 1e-5,
      seed: 0,
      teacherWeight: 0.5,
    });
    for (const config of [ptq, qat]) expect(quantizePass.create(config).config).toEqual(config);
    expect(PASSES['quantize']).toBe(quantizePass);
  });

  it.each([
    [
      { planFor: ['tflite'] },
      `quantize: 'planFor' must be a list of distinct values from 'ort-node' or 'ort-web'`,
    ],
    [{ method: 'dynamic', planFor: ['ort-web'] }, `quantize: 'planFor' plans which int8 layers stay float`],
    [{ calibrationImages: 0 }, `quantize: 'calibrationImages' must be an integer in [1, 100000], got 0`],
    [{ method: 'int4' }, `quantize: 'method' must be 'ptq', 'qat' or 'dynamic', got "int4"`],
    [{ calibration: 'kl' }, `quantize: 'calibration' must be 'minmax', 'percentile' or 'entropy', got "kl"`],
    [{ percentile: 40 }, `quantize: 'percentile' must be in (50, 100], got 40`],
    [{ evalImages: -1 }, `quantize: 'evalImages' must be an integer in [0, 100000], got -1`],
    [{ method: 'qat', qat: { epochs: 0 } }, `quantize.qat: 'epochs' must be an integer in [1, 1000], got 0`],
    [{ method: 'qat', qat: { teacherWeight: 2 } }, `quantize.qat: 'teacherWeight' must be in [0, 1], got 2`],
    [{ qat: { epochs: 1 } }, `quantize: 'qat' settings need method 'qat', got method 'ptq'`],
    [{ method: 'dynamic', percentile: 99 }, `'percentile': calibration settings apply to method 'ptq' only`],
    [{ maxDrop: 0.5, evalImages: 0 }, `'maxDrop' needs method 'ptq' or 'qat' and evaluation images`],
    [{ method: 'dynamic', onnxFormat: 'qoperator' }, 'dynamic quantisation writes QDQ'],
    [{ calibrationImage: 64 }, `quantize: unknown key 'calibrationImage'; allowed: 'method', `],
    [{ method: 'qat', qat: { lr: 1 } }, `quantize.qat: unknown key 'lr'`],
  ])('%j: %s', (config, message) => {
    expect(() => quantizePass.create(config)).toThrow(ConfigError);
    expect(() => quantizePass.create(config)).toThrow(message);
  });

  it('needs a data set unless it quantises weights only without evaluating', () => {
    expect(quantizePass.create().needsDataset).toBe(true);
    expect(quantizePass.create({ method: 'qat' }).needsDataset).toBe(true);
    expect(quantizePass.create({ method: 'dynamic', evalImages: 0 }).needsDataset).toBe(false);
    expect(quantizePass.create({ method: 'dynamic', evalImages: 8 }).needsDataset).toBe(true);
  });
});

describe('quantizePass.run', () => {
  let dir: string;
  let source: string;
  let input: PassPackage;
  let dataset: Dataset;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'edgeml-quantize-pass-'));
    ({ source } = await writeQuantPackages(dir));
    input = await loadPassPackage(source);
    dataset = (await loadModelDataset(input.manifest)).forModel;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sha = (pkg: { manifest: { files: readonly { path: string; sha256: string }[] } }, path: string) =>
    pkg.manifest.files.find((f) => f.path === path)?.sha256;

  it('is the code path of quantizeModelPackage: same int8 files; a re-run is a cache hit', async () => {
    const config = { calibrationImages: 64, evalImages: 32, latencyRuns: 0 };
    const cacheDir = join(dir, 'cache');
    const ctx = { dataset, cacheDir, toolVersion: 'test' };
    const first = await quantizePass.create(config).run(input, ctx);
    expect(first.cached).toBe(false);
    expect(first.output.model).not.toBe(input.model);
    const step = first.output.manifest.lineage.at(-1)!;
    expect(step).toMatchObject({ kind: 'pass', name: 'quantize', config: { method: 'ptq', passVersion: 1 } });
    expect(step.inputs.map((i) => i.kind)).toEqual(['manifest', 'dataset']);
    const paths = first.output.manifest.files.map((f) => f.path);
    for (const path of [
      'model.int8.onnx',
      'model.int8.tflite',
      'summary.json',
      'report.json',
      'model.onnx',
    ]) {
      expect(paths).toContain(path);
    }

    const second = await quantizePass.create(config).run(input, ctx);
    expect(second.cached).toBe(true);
    expect(second.key).toBe(first.key);
    expect(second.output.manifestSha256).toBe(first.output.manifestSha256);
    expect(second.report).toEqual(first.report);
    expect(second.output.files?.map((f) => f.path)).toEqual(first.output.files?.map((f) => f.path));

    // PTQ is deterministic: the library wrapper writes the very same int8 files.
    const { manifest, report } = await quantizeModelPackage(source, join(dir, 'int8'), {
      ...config,
      toolVersion: 'test',
    });
    for (const path of ['model.int8.onnx', 'model.int8.tflite']) {
      expect(sha({ manifest }, path)).toBe(sha(first.output, path));
    }
    expect(report.accuracy).toEqual(first.report.accuracy);
    expect(manifest.lineage.at(-1)).toMatchObject({ kind: 'pass', name: 'quantize' });
  });

  it('dynamic runs without a data set; other methods refuse to', async () => {
    const { output, report } = await quantizePass
      .create({ method: 'dynamic', evalImages: 0, latencyRuns: 0 })
      .run(input, { toolVersion: 'test' });
    expect(report).toMatchObject({ method: 'dynamic', calibration: 'none', evalImages: 0 });
    expect(report.files.map((f) => f.path)).toEqual(['model.int8.onnx']);
    expect(output.manifest.files.find((f) => f.path === 'model.int8.onnx')?.precision).toBe('mixed');
    expect(output.manifest.lineage.at(-1)?.inputs.map((i) => i.kind)).toEqual(['manifest']);
    await expect(quantizePass.create().run(input, { toolVersion: 'test' })).rejects.toThrow(
      "pass 'quantize' needs ctx.dataset",
    );
  });
});
