import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, EdgemlError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { buildModel, loadDataset, sampleBatch, writeTrainedPackage } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelPackage, parseExportFormats } from './export-package.js';

describe('exportModelPackage', () => {
  let dir: string;
  let source: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'edgeml-export-'));
    source = join(dir, 'trained');
    const dataset = await loadDataset({ name: 'fashion-mnist' });
    const model = buildModel('cnn-tiny', { inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
    await writeTrainedPackage(source, {
      name: 'tiny',
      model,
      dataset: dataset.info,
      metrics: { test_accuracy: 0.1 },
      lineage: [],
      summary: { model: 'cnn-tiny' },
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every format into a verified package with parity measured on real images', async () => {
    const dataset = await loadDataset({ name: 'fashion-mnist' });
    const batch = await sampleBatch(dataset.split('test'), 64, 0);
    const out = join(dir, 'exported');
    const result = await exportModelPackage(source, out, {
      formats: ['tfjs', 'onnx', 'tflite'],
      parityImages: { x: batch.x, shape: batch.shape },
      toolVersion: 'test',
    });
    expect(result.files.map((f) => f.path)).toEqual(['model.onnx', 'model.tflite', 'tfjs/model.json']);
    for (const file of result.files) {
      expect(file.parity.length).toBeGreaterThan(0);
      for (const p of file.parity) {
        expect(p.images).toBe(64);
        expect(p.maxAbsDiff).toBeLessThanOrEqual(1e-5);
        expect(p.top1Agreement).toBe(1);
      }
    }
    const pkg = await readModelPackageDir(out, { verify: true });
    expect(pkg.manifest.files.map((f) => f.path).sort()).toEqual(
      [
        'labels.txt',
        'model.onnx',
        'model.tflite',
        'summary.json',
        'tfjs/model.json',
        'tfjs/weights.bin',
      ].sort(),
    );
    expect(pkg.manifest.lineage.map((s) => s.name)).toEqual(['export']);
    expect(pkg.manifest.lineage[0]?.inputs?.[0]?.kind).toBe('manifest');
    const summary = JSON.parse(new TextDecoder().decode(await pkg.readFile('summary.json')));
    expect(summary.model).toBe('cnn-tiny');
    expect(summary.exports).toHaveLength(3);
  });

  it('adds files to the source package itself, keeping the files it already had', async () => {
    await exportModelPackage(source, source, { formats: ['onnx'], toolVersion: 'test' });
    const pkg = await readModelPackageDir(source, { verify: true });
    expect(pkg.manifest.files.map((f) => f.path)).toContain('model.onnx');
    expect(pkg.manifest.files.map((f) => f.path)).toContain('tfjs/weights.bin');
  });

  it('rejects unknown formats, a missing package and a corrupt model.json with typed errors', async () => {
    expect(() => parseExportFormats(['onnx', 'coreml'])).toThrow(ConfigError);
    expect(() => parseExportFormats([''])).toThrow(/at least one/);
    await expect(
      exportModelPackage(join(dir, 'nope'), join(dir, 'x'), { formats: ['onnx'], toolVersion: 't' }),
    ).rejects.toThrow(/nope/);
    const corrupt = join(dir, 'corrupt');
    await exportModelPackage(source, corrupt, { formats: ['tfjs'], toolVersion: 't' });
    await writeFile(join(corrupt, 'tfjs', 'model.json'), '{ not json');
    const error = await exportModelPackage(corrupt, join(dir, 'y'), {
      formats: ['onnx'],
      toolVersion: 't',
    }).catch((e) => e);
    expect(error).toBeInstanceOf(EdgemlError);
    expect((error as EdgemlError).code).toBe('HASH_MISMATCH');
    expect((error as Error).message).toMatch(/model\.json/);
  });
});
