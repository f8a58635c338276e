// The mobile target end to end: `edgeml package --target mobile` on a trained float package and on
// an int8 package made from it by the quantizer, then each written `.tflite` is run in TFLite's
// interpreter (tfjs-tflite, the Node loader) the way an app would: its input tensor built by the
// test's own code from the image's raw pixels and metadata.json alone (size, layout, scale, mean,
// std; never by edgeml's preprocessing) and its scores named by labels.txt, on real Fashion-MNIST
// images, compared with onnxruntime-node (loaded directly) on the same tensor.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { EdgemlError, TensorLayout } from '@edgeml/core';
import { loadTfliteModel, MOBILE_METADATA_SCHEMA, packageMobile } from '@edgeml/runtime-edge/node';
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
import { writeInt8FixturePackage } from './support/int8-fixture.js';

const root = resolve(import.meta.dirname, '..');
const IMAGES = 50;
/** Max |p_tflite - p_onnxruntime| for the float model (the README's export parity). */
const FLOAT_TOLERANCE = 1e-5;
/**
 * Max |p_tflite - p_onnxruntime| for the int8 model: one quantisation step on a logit, as the
 * other int8 suites allow (two int8 kernels may round one accumulator differently); 1.2e-7
 * measured on the 50 images.
 */
const INT8_TOLERANCE = 0.02;

interface Metadata {
  schema: string;
  labels: { file: string; count: number };
  input: { shape: number[]; layout: TensorLayout; height: number; width: number; channels: 1 | 3 };
  preprocessing: { scale: number; mean: number[]; std: number[] };
  output: { shape: number[]; activation: string };
  models: {
    file: string;
    precision: string;
    sha256: string;
    inputs: { dtype: string; shape: number[] }[];
    int8?: { io: string; quantizedInput?: { quantization: { scale: number[]; zeroPoint: number[] } } };
  }[];
}

/** The app's input tensor of every image: the test's own normalisation, from metadata.json alone. */
function appTensors(metadata: Metadata, images: RawFixtureImages): Float32Array[] {
  const { height, width, channels, layout } = metadata.input;
  // The images are at the model's size and channels already: an app would resize them first.
  expect([images.height, images.width, images.channels]).toEqual([height, width, channels]);
  return images.pixels.map((pixels) =>
    handNormalised(pixels, { width, height, channels }, metadata.preprocessing, layout),
  );
}

/** Each `.tflite`'s probabilities on every image, using only the files an app gets. */
async function tfliteScores(mobileDir: string, images: RawFixtureImages) {
  const metadata = JSON.parse(await readFile(join(mobileDir, 'metadata.json'), 'utf8')) as Metadata;
  const labels = (await readFile(join(mobileDir, metadata.labels.file), 'utf8')).trimEnd().split('\n');
  const tensors = appTensors(metadata, images);
  const scores: Record<string, Float32Array[]> = {};
  for (const model of metadata.models) {
    const tflite = await loadTfliteModel(new Uint8Array(await readFile(join(mobileDir, model.file))));
    scores[model.file] = tensors.map((tensor) => {
      const out = Float32Array.from(tflite.predict(tensor, metadata.input.shape));
      expect(out).toHaveLength(labels.length);
      return out;
    });
    tflite.close();
  }
  return { metadata, labels, scores, tensors };
}

/** onnxruntime-node (directly) on the package's ONNX file `file`, fed the app's tensors (NHWC). */
async function ortScores(pkgDir: string, file: string, metadata: Metadata, tensors: Float32Array[]) {
  expect(metadata.input.layout).toBe('NHWC');
  const ort = await ortReference(join(pkgDir, file));
  const out: Float32Array[] = [];
  for (const tensor of tensors) out.push(await ort.run(tensor, metadata.input.shape));
  await ort.release();
  return out;
}

describe('mobile target (.tflite checked in tfjs-tflite)', () => {
  let dir: string;
  let floatPkg: string;
  let int8Pkg: string;
  let images: RawFixtureImages;
  let packageStdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-mobile-'));
    floatPkg = (await writeTrainedFashionPackage(dir)).pkgDir;
    int8Pkg = await writeInt8FixturePackage(dir);
    images = await fashionTestImages(IMAGES);
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsx'),
      [
        'packages/cli/src/bin.ts',
        'package',
        '--model',
        floatPkg,
        '--target',
        'mobile',
        '--out',
        join(dir, 'm-float'),
      ],
      { cwd: root, maxBuffer: 16 << 20 },
    );
    packageStdout = stdout;
    await packageMobile(int8Pkg, join(dir, 'm-int8'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes model.tflite, labels.txt, metadata.json and a README for a float package', async () => {
    expect((await readdir(join(dir, 'm-float'))).sort()).toEqual([
      'README.md',
      'labels.txt',
      'metadata.json',
      'model.tflite',
    ]);
    expect(packageStdout).toMatch(/model\.tflite\s+float32\s+[\d.]+ KiB/);
    const readme = await readFile(join(dir, 'm-float/README.md'), 'utf8');
    expect(readme).toMatch(/org\.tensorflow\.lite\.Interpreter/);
    expect(readme).toMatch(/import TensorFlowLite/);
    expect(readme).toMatch(/\[1, 28, 28, 1\]/);
  });

  it('the float model matches onnxruntime-node within 1e-5, fed from metadata.json alone', async () => {
    const { metadata, labels, scores, tensors } = await tfliteScores(join(dir, 'm-float'), images);
    const manifest = JSON.parse(await readFile(join(floatPkg, 'manifest.json'), 'utf8'));
    expect(metadata.schema).toBe(MOBILE_METADATA_SCHEMA);
    expect(labels).toEqual(manifest.labels);
    expect(metadata.input).toMatchObject({ shape: [1, 28, 28, 1], layout: 'NHWC' });
    expect(metadata.preprocessing).toMatchObject({
      scale: manifest.preprocessing.scale,
      mean: manifest.preprocessing.mean,
      std: manifest.preprocessing.std,
    });
    expect(metadata.output).toMatchObject({ shape: [1, 10], activation: 'softmax' });
    expect(metadata.models.map((m) => [m.file, m.precision, m.int8])).toEqual([
      ['model.tflite', 'float32', undefined],
    ]);
    const tflite = scores['model.tflite']!;
    const ort = await ortScores(floatPkg, 'model.onnx', metadata, tensors);
    // A trained model: its answers vary across the images.
    expect(new Set(ort.map(argMax)).size).toBeGreaterThanOrEqual(3);
    const worst = Math.max(...tflite.map((p, i) => maxAbsDiff(p, ort[i]!)));
    expect(worst).toBeLessThanOrEqual(FLOAT_TOLERANCE);
    const disagree = tflite.filter(
      (p, i) => argMax(p) !== argMax(ort[i]!) && top1Margin(ort[i]!) > 2 * FLOAT_TOLERANCE,
    );
    expect(disagree).toEqual([]);
  });

  it('ships the int8 model with its quantisation parameters, and it agrees with onnxruntime-node', async () => {
    const { metadata, scores, tensors } = await tfliteScores(join(dir, 'm-int8'), images);
    const int8 = metadata.models.find((m) => m.file === 'model.int8.tflite');
    expect(int8?.precision).toBe('int8');
    expect(int8?.int8?.io).toBe('float32');
    const q = int8?.int8?.quantizedInput?.quantization;
    expect(q?.scale[0]).toBeGreaterThan(0);
    expect(q?.zeroPoint[0]).toBeGreaterThanOrEqual(-128);
    const ort = await ortScores(int8Pkg, 'model.int8.onnx', metadata, tensors);
    const tflite = scores['model.int8.tflite']!;
    // Two int8 kernels (TFLite, ORT's QLinear*) may round a borderline image differently.
    const same = tflite.filter((p, i) => argMax(p) === argMax(ort[i]!)).length;
    expect(same / IMAGES).toBeGreaterThanOrEqual(0.96);
    // And the probabilities stay close: a few quantisation steps of the logits, not another answer.
    const worst = Math.max(...tflite.map((p, i) => maxAbsDiff(p, ort[i]!)));
    expect(worst).toBeLessThanOrEqual(INT8_TOLERANCE);
  });

  it('refuses a package without a .tflite file, naming what it holds', async () => {
    const error = (await packageMobile(join(dir, 'trained'), join(dir, 'm-none')).catch(
      (e) => e,
    )) as EdgemlError;
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/has no \.tflite file .*edgeml export --format tflite/);
  });
});
