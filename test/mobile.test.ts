// The mobile target end to end: `edgeml package --target mobile` on a float package and on an int8
// package made by the quantizer, then each written `.tflite` is run in TFLite's interpreter
// (tfjs-tflite, the Node loader) the way an app would: its input tensor built only from
// metadata.json (size, layout, scale, mean, std) and its scores named by labels.txt, on real
// Fashion-MNIST images, with the same top-1 as onnxruntime-node.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { EdgemlError, TensorLayout } from '@edgeml/core';
import { type InputSpec, preprocessInput } from '@edgeml/runtime-edge';
import {
  createClassifier,
  loadTfliteModel,
  MOBILE_METADATA_SCHEMA,
  packageMobile,
} from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';
import { writeInt8FixturePackage } from './support/int8-fixture.js';

const root = resolve(import.meta.dirname, '..');
const IMAGES = 50;

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

/** Top-1 of every image for each `.tflite` in `mobileDir`, using only the files an app gets. */
async function tfliteTop1(mobileDir: string, images: FixtureImages) {
  const metadata = JSON.parse(await readFile(join(mobileDir, 'metadata.json'), 'utf8')) as Metadata;
  const labels = (await readFile(join(mobileDir, metadata.labels.file), 'utf8')).trimEnd().split('\n');
  const { height, width, channels, layout } = metadata.input;
  const { scale, mean, std } = metadata.preprocessing;
  const spec: InputSpec = {
    height,
    width,
    channels,
    layout,
    scale,
    mean,
    std,
    shape: [1, height, width, channels],
  };
  const answers: Record<string, string[]> = {};
  for (const model of metadata.models) {
    const tflite = await loadTfliteModel(new Uint8Array(await readFile(join(mobileDir, model.file))));
    answers[model.file] = images.pngs.map((png) => {
      const { tensor } = preprocessInput(png, spec);
      const scores = tflite.predict(tensor, spec.shape);
      expect(scores).toHaveLength(labels.length);
      return labels[scores.indexOf(Math.max(...scores))]!;
    });
    tflite.close();
  }
  return { metadata, labels, answers };
}

/** Top-1 labels from onnxruntime-node on `precision`'s ONNX file of the package. */
async function ortTop1(pkgDir: string, precision: 'float32' | 'int8', images: FixtureImages) {
  const reference = await createClassifier(pkgDir, { runtime: 'ort-node', precision });
  const labels: string[] = [];
  for (const png of images.pngs)
    labels.push((await reference.classify(png, { topK: 1 })).predictions[0]!.label);
  await reference.dispose();
  return labels;
}

describe('mobile target (.tflite checked in tfjs-tflite)', () => {
  let dir: string;
  let floatPkg: string;
  let int8Pkg: string;
  let images: FixtureImages;
  let packageStdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-mobile-'));
    floatPkg = await writeFixturePackage(dir);
    int8Pkg = await writeInt8FixturePackage(dir);
    images = await fashionTestPngs(IMAGES);
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

  it('the float model gives the same top-1 as onnxruntime-node, fed from metadata.json alone', async () => {
    const { metadata, labels, answers } = await tfliteTop1(join(dir, 'm-float'), images);
    const manifest = JSON.parse(await readFile(join(floatPkg, 'manifest.json'), 'utf8'));
    expect(metadata.schema).toBe(MOBILE_METADATA_SCHEMA);
    expect(labels).toEqual(manifest.labels);
    expect(metadata.input).toMatchObject({ shape: [1, 28, 28, 1], layout: 'NHWC' });
    expect(metadata.preprocessing.mean).toEqual(manifest.preprocessing.mean);
    expect(metadata.output).toMatchObject({ shape: [1, 10], activation: 'softmax' });
    expect(metadata.models.map((m) => [m.file, m.precision, m.int8])).toEqual([
      ['model.tflite', 'float32', undefined],
    ]);
    expect(answers['model.tflite']).toEqual(await ortTop1(floatPkg, 'float32', images));
  });

  it('ships the int8 model with its quantisation parameters, and it agrees with onnxruntime-node', async () => {
    const { metadata, answers } = await tfliteTop1(join(dir, 'm-int8'), images);
    const int8 = metadata.models.find((m) => m.file === 'model.int8.tflite');
    expect(int8?.precision).toBe('int8');
    expect(int8?.int8?.io).toBe('float32');
    const q = int8?.int8?.quantizedInput?.quantization;
    expect(q?.scale[0]).toBeGreaterThan(0);
    expect(q?.zeroPoint[0]).toBeGreaterThanOrEqual(-128);
    const ort = await ortTop1(int8Pkg, 'int8', images);
    const tflite = answers['model.int8.tflite']!;
    // Two int8 kernels (TFLite, ORT's QLinear*) may round a borderline image differently.
    const same = tflite.filter((label, i) => label === ort[i]).length;
    expect(same / IMAGES).toBeGreaterThanOrEqual(0.96);
  });

  it('refuses a package without a .tflite file, naming what it holds', async () => {
    const error = (await packageMobile(join(dir, 'trained'), join(dir, 'm-none')).catch(
      (e) => e,
    )) as EdgemlError;
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/has no \.tflite file .*edgeml export --format tflite/);
  });
});
