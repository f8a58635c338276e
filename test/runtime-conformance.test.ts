// Conformance of the runtime adapters: the same model package, the same real Fashion-MNIST PNGs,
// one shared preprocessing path; every runtime must feed bit-identical tensors and agree on top-1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemorySource, EdgemlError, HashMismatchError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { type Classifier, RUNTIME_NAMES, type RuntimeName } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';

const IMAGES = 100;

describe('runtime adapters (conformance)', () => {
  let dir: string;
  let pkgDir: string;
  let images: FixtureImages;
  const classifiers = new Map<RuntimeName, Classifier>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-runtime-'));
    pkgDir = await writeFixturePackage(dir);
    images = await fashionTestPngs(IMAGES);
    for (const runtime of RUNTIME_NAMES)
      classifiers.set(runtime, await createClassifier(pkgDir, { runtime }));
  });
  afterAll(async () => {
    for (const c of classifiers.values()) await c.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('feeds every runtime bit-identical input tensors from the shared preprocessing', () => {
    for (const png of images.pngs.slice(0, 10)) {
      const tensors = [...classifiers.values()].map((c) => c.preprocess(png).tensor);
      const reference = new Uint8Array(tensors[0]!.buffer.slice(0));
      for (const t of tensors) expect(new Uint8Array(t.buffer.slice(0))).toEqual(reference);
    }
    const [c] = classifiers.values();
    expect(c!.preprocess(images.pngs[0]!).shape).toEqual([1, 28, 28, 1]);
  });

  it('gives the same top-1 in every runtime on real Fashion-MNIST PNGs', async () => {
    const top1 = new Map<RuntimeName, number[]>();
    for (const [runtime, c] of classifiers) {
      const answers: number[] = [];
      for (const png of images.pngs) {
        const result = await c.classify(png, { topK: 3 });
        expect(result.predictions).toHaveLength(3);
        expect(result.timings.total).toBeGreaterThanOrEqual(result.timings.inference);
        answers.push(result.predictions[0]!.index);
      }
      top1.set(runtime, answers);
    }
    const reference = top1.get('ort-node')!;
    for (const runtime of RUNTIME_NAMES)
      expect({ runtime, top1: top1.get(runtime) }).toEqual({ runtime, top1: reference });
  });

  it('accepts pixels (gray, RGBA) and preprocessed tensors with the same answer as PNG bytes', async () => {
    const c = classifiers.get('ort-web')!;
    const png = images.pngs[3]!;
    const fromPng = await c.classify(png);
    const gray = c.preprocess(png);
    const fromTensor = await c.classify(gray.tensor);
    expect(fromTensor.predictions).toEqual(fromPng.predictions);
    // RGBA with R = G = B: luma of gray equals gray, so the tensor is the same.
    const { decodeImage } = await import('@edgeml/core');
    const raw = decodeImage(png);
    const rgba = new Uint8ClampedArray(raw.data.length * 4);
    for (const [i, v] of raw.data.entries()) rgba.set([v, v, v, 255], i * 4);
    expect(c.preprocess({ data: rgba, width: 28, height: 28 }).tensor).toEqual(gray.tensor);
    expect((await c.classify({ data: raw.data, width: 28, height: 28 })).predictions).toEqual(
      fromPng.predictions,
    );
  });

  it('rejects a corrupt model, a missing variant and bad input with typed errors', async () => {
    const pkg = await readModelPackageDir(pkgDir, { verify: false });
    const files: Record<string, Uint8Array> = {};
    for (const f of pkg.manifest.files) files[f.path] = await pkg.readFile(f.path);
    files['manifest.json'] = (await pkg.source.read('manifest.json'))!;
    const onnx = files['model.onnx']!.slice();
    onnx[100] = (onnx[100] ?? 0) ^ 0xff;
    await expect(
      createClassifier(createMemorySource({ ...files, 'model.onnx': onnx }), { runtime: 'ort-node' }),
    ).rejects.toBeInstanceOf(HashMismatchError);
    await expect(createClassifier(pkgDir, { runtime: 'tfjs', precision: 'int8' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    await expect(createClassifier(join(dir, 'nope'), { runtime: 'ort-node' })).rejects.toMatchObject({
      code: 'MANIFEST_FILE_MISSING',
    });
    await expect(createClassifier(pkgDir, { runtime: 'coreml' as RuntimeName })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    // Bytes that are not ONNX at all, with a manifest that vouches for them.
    const garbage = new TextEncoder().encode('this is not an onnx model');
    const { sha256Hex } = await import('@edgeml/core');
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    const entry = manifest.files.find((f: { path: string }) => f.path === 'model.onnx');
    entry.bytes = garbage.byteLength;
    entry.sha256 = await sha256Hex(garbage);
    const bad = createMemorySource({ 'manifest.json': JSON.stringify(manifest), 'model.onnx': garbage });
    for (const runtime of ['ort-node', 'ort-web'] as const) {
      const error = await createClassifier(bad, { runtime }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EdgemlError);
      expect(error).toMatchObject({ code: 'MODEL_INVALID' });
    }
    const c = classifiers.get('ort-node')!;
    await expect(c.classify(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'IMAGE_DECODE' });
    await expect(c.classify(new Float32Array(5))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
