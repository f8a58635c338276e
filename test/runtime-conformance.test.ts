// Conformance of the runtime adapters on a trained model (cnn-tiny, 2 epochs on Fashion-MNIST, so
// its answers vary from image to image) and 100 real Fashion-MNIST test PNGs. The reference is
// built apart from the code under test (see support/conformance.ts): each image's model input
// computed by hand from its raw pixels, and onnxruntime-node itself run on that input. Every runtime
// must build the same input from the PNG and give the same probabilities within 1e-5 (the README's
// export parity) and the same top-1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemorySource, EdgemlError, HashMismatchError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import type { Classifier, RuntimeName } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  argMax,
  fashionTestImages,
  handNormalised,
  maxAbsDiff,
  ortReference,
  type RawFixtureImages,
  top1Margin,
  writeTrainedFashionPackage,
} from './support/conformance.js';

const IMAGES = 100;
/** Runtimes of this suite: every one that reads the package's ONNX, TFLite or TF.js file. */
const RUNTIMES: readonly RuntimeName[] = ['ort-web', 'ort-node', 'tflite', 'tfjs'];
/** Max |p - p_onnxruntime-node| over the 10 probabilities (the README's export parity). */
const PROBABILITY_TOLERANCE = 1e-5;
/** Max |x - x_hand| over the input tensor: float32 rounding of the same formula (values within ±3). */
const INPUT_TOLERANCE = 1e-6;

describe('runtime adapters (conformance)', { timeout: 300_000 }, () => {
  let dir: string;
  let pkgDir: string;
  let images: RawFixtureImages;
  let testAccuracy: number;
  /** Per image: the hand-computed input and onnxruntime-node's probabilities on it. */
  const reference: { input: Float32Array; probabilities: Float32Array }[] = [];
  const classifiers = new Map<RuntimeName, Classifier>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-runtime-'));
    ({ pkgDir, testAccuracy } = await writeTrainedFashionPackage(dir));
    images = await fashionTestImages(IMAGES);
    for (const runtime of RUNTIMES) classifiers.set(runtime, await createClassifier(pkgDir, { runtime }));
    const { manifest } = await readModelPackageDir(pkgDir);
    expect(manifest.input).toMatchObject({ shape: [28, 28, 1], layout: 'NHWC' });
    const ort = await ortReference(join(pkgDir, 'model.onnx'));
    for (const pixels of images.pixels) {
      const input = handNormalised(pixels, images, manifest.preprocessing);
      reference.push({ input, probabilities: await ort.run(input, [1, 28, 28, 1]) });
    }
    await ort.release();
  });
  afterAll(async () => {
    for (const c of classifiers.values()) await c.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the reference is a trained model whose answers vary: >= 3 classes, most of them right', () => {
    const top1 = reference.map((r) => argMax(r.probabilities));
    expect(new Set(top1).size).toBeGreaterThanOrEqual(3);
    const correct = top1.filter((c, i) => c === images.labels[i]).length;
    // Two epochs on 2,048 images: far above chance (10%), as in the CLI suite.
    expect(correct / IMAGES).toBeGreaterThan(0.5);
    expect(testAccuracy).toBeGreaterThan(0.5);
    for (const r of reference) {
      // The ONNX model ends in a softmax: probabilities that sum to 1.
      expect(r.probabilities).toHaveLength(10);
      expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('every runtime builds, from the PNG, the input computed by hand from the raw pixels', () => {
    for (const [runtime, c] of classifiers) {
      let worst = 0;
      for (const [i, png] of images.pngs.entries()) {
        const { tensor, shape } = c.preprocess(png);
        expect(shape).toEqual([1, 28, 28, 1]);
        worst = Math.max(worst, maxAbsDiff(tensor, reference[i]!.input));
      }
      expect(worst, runtime).toBeLessThanOrEqual(INPUT_TOLERANCE);
    }
  });

  it(`every runtime's probabilities match onnxruntime-node's within ${PROBABILITY_TOLERANCE}, with the same top-1`, async () => {
    for (const [runtime, c] of classifiers) {
      let worst = 0;
      const disagreements: number[] = [];
      for (const [i, png] of images.pngs.entries()) {
        const result = await c.classify(png, { topK: 10 });
        expect(result.predictions).toHaveLength(10);
        expect(result.timings.total).toBeGreaterThanOrEqual(result.timings.inference);
        const probabilities = new Float64Array(10);
        for (const p of result.predictions) probabilities[p.index] = p.probability;
        const expected = reference[i]!.probabilities;
        worst = Math.max(worst, maxAbsDiff(probabilities, expected));
        // A top-1 may differ only where the reference's own top two are within the tolerance.
        if (argMax(probabilities) !== argMax(expected) && top1Margin(expected) > 2 * PROBABILITY_TOLERANCE)
          disagreements.push(i);
      }
      expect({ runtime, worst: worst <= PROBABILITY_TOLERANCE ? 'within' : worst }).toEqual({
        runtime,
        worst: 'within',
      });
      expect({ runtime, disagreements }).toEqual({ runtime, disagreements: [] });
    }
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
