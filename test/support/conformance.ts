/**
 * What the runtime conformance suites compare against, built apart from the code under test:
 *
 * - a *trained* model package (the zoo's cnn-tiny, seeded, 2 epochs on 2,048 Fashion-MNIST images
 *   with the trainer's own trainPackage, then exported to ONNX, TFLite and TF.js), so that its
 *   predictions vary from image to image and a runtime that answers one class for everything fails;
 * - the model input of an image, computed by hand from its raw pixels (the data set's bytes, never
 *   decoded from PNG by our decoder) with the manifest's formula x = (v * scale - mean[c]) / std[c];
 * - onnxruntime-node itself (loaded directly, not through our adapter) on that input, as the
 *   numerical reference for every runtime's probabilities.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { encodePng } from '@edgeml/core';
import { exportModelPackage } from '@edgeml/optimizer';
import {
  buildModel,
  datasetReference,
  type LoadDatasetOptions,
  loadDataset,
  selectBackend,
  trainPackage,
  validateTrainConfig,
} from '@edgeml/trainer';

/** The fixture's recipe (the same as the CLI suite's `edgeml train` run: test accuracy > 50%). */
export const TRAINED_FASHION_FIXTURE = {
  model: 'cnn-tiny',
  seed: 7,
  train: { epochs: 2, batchSize: 64, limit: 2048, optimizer: { lr: 0.01 }, seed: 7 },
} as const;

/** A trained package: `trained` (TF.js only, as trainPackage writes it) and `pkg` (every export format). */
export interface TrainedFashionPackage {
  readonly trainedDir: string;
  readonly pkgDir: string;
  /** Test accuracy on the first 1,000 test images, as trainPackage measured it. */
  readonly testAccuracy: number;
}

/**
 * Trains the fixture on the wasm backend into `dir`/trained and exports it into `dir`/pkg (the
 * layout writeFixturePackage uses, so writeInt8FixturePackage(dir) quantises the trained model).
 */
export async function writeTrainedFashionPackage(dir: string): Promise<TrainedFashionPackage> {
  const backend = await selectBackend('wasm');
  const options: LoadDatasetOptions = { name: 'fashion-mnist' };
  const dataset = await loadDataset(options);
  const model = buildModel(TRAINED_FASHION_FIXTURE.model, {
    inputShape: dataset.info.inputShape,
    numClasses: dataset.info.classNames.length,
    seed: TRAINED_FASHION_FIXTURE.seed,
  });
  const trainedDir = join(dir, 'trained');
  const result = await trainPackage({
    model,
    modelName: TRAINED_FASHION_FIXTURE.model,
    dataset,
    data: datasetReference(options, dataset.info),
    config: validateTrainConfig(TRAINED_FASHION_FIXTURE.train),
    backend: { name: backend.name, detail: backend.detail },
    outDir: trainedDir,
    name: 'fashion-tiny-trained',
    evalLimit: 1000,
    resume: false,
    toolVersion: 'test',
  });
  result.model.dispose();
  const pkgDir = join(dir, 'pkg');
  await exportModelPackage(trainedDir, pkgDir, { formats: ['onnx', 'tflite', 'tfjs'], toolVersion: 'test' });
  return { trainedDir, pkgDir, testAccuracy: result.test.accuracy };
}

/** Test images: raw 8-bit pixels (height x width x channels) and the same pixels as PNG bytes. */
export interface RawFixtureImages {
  readonly width: number;
  readonly height: number;
  readonly channels: 1;
  readonly pixels: readonly Uint8Array[];
  readonly pngs: readonly Uint8Array[];
  readonly labels: readonly number[];
}

/**
 * `count` Fashion-MNIST test images spread evenly over the test split, raw and PNG-encoded. The
 * split is stored class by class (its first 1,000 images are all T-shirts), so every class appears.
 */
export async function fashionTestImages(count: number): Promise<RawFixtureImages> {
  const split = (await loadDataset({ name: 'fashion-mnist' })).split('test');
  const stride = Math.floor(split.size / count);
  const indices = Array.from({ length: count }, (_, i) => i * stride);
  const all = await split.readPixels(indices);
  const pixels = indices.map((_, k) => all.slice(k * 784, (k + 1) * 784));
  return {
    width: 28,
    height: 28,
    channels: 1,
    pixels,
    pngs: pixels.map((data) => encodePng({ width: 28, height: 28, channels: 1, data })),
    labels: indices.map((i) => split.labels[i] ?? -1),
  };
}

/** The normalisation of a manifest (or of a mobile metadata.json): x = (v * scale - mean[c]) / std[c]. */
export interface Normalisation {
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * The model input of an image already at the model's size, by hand: each 8-bit value v of channel
 * c becomes float32((v * scale - mean[c]) / std[c]), written in `layout` order. No resize and no
 * channel conversion: the caller gives pixels at the model's size and channel count.
 */
export function handNormalised(
  pixels: Uint8Array,
  size: { width: number; height: number; channels: number },
  norm: Normalisation,
  layout: 'NHWC' | 'NCHW' = 'NHWC',
): Float32Array {
  const { width, height, channels } = size;
  if (pixels.length !== width * height * channels)
    throw new Error(`expected ${width}x${height}x${channels} pixels, got ${pixels.length} values`);
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const v = pixels[(y * width + x) * channels + c]!;
        const value = (v * norm.scale - norm.mean[c]!) / norm.std[c]!;
        out[layout === 'NHWC' ? (y * width + x) * channels + c : (c * height + y) * width + x] = value;
      }
  return out;
}

interface OrtTensor {
  readonly data: Float32Array;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(bytes: Uint8Array): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

/** onnxruntime-node itself, resolved from the package that depends on it (the e2e suite does not). */
function onnxruntimeNode(): OrtModule {
  const runtimeEdge = resolve(import.meta.dirname, '../../packages/runtime-edge/package.json');
  return createRequire(runtimeEdge)('onnxruntime-node') as OrtModule;
}

/** An ONNX file run in onnxruntime-node directly: float32 tensor in, the model's outputs out. */
export interface OrtReference {
  run(tensor: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Loads `onnxFile` into a plain onnxruntime-node session (default options, no edgeml code). */
export async function ortReference(onnxFile: string): Promise<OrtReference> {
  const ort = onnxruntimeNode();
  const session = await ort.InferenceSession.create(new Uint8Array(await readFile(onnxFile)));
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  return {
    async run(tensor, shape) {
      const result = await session.run({ [input!]: new ort.Tensor('float32', tensor, shape) });
      return Float32Array.from(result[output!]!.data);
    },
    release: () => session.release(),
  };
}

/** Largest |a[i] - b[i]| (Infinity when the lengths differ or a value is not finite). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!Number.isFinite(d)) return Infinity;
    max = Math.max(max, d);
  }
  return max;
}

/** Index of the largest value. */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The gap between the largest and the second largest value (how firm a top-1 is). */
export function top1Margin(values: ArrayLike<number>): number {
  const sorted = Array.from(values).sort((a, b) => b - a);
  return (sorted[0] ?? 0) - (sorted[1] ?? 0);
}
