// Conformance of runtime 'litert' (LiteRT.js, @litertjs/core) on a trained model: the zoo's
// cnn-tiny trained on a seeded subset of Fashion-MNIST (wasm backend, a few seconds), exported to
// ONNX and TFLite, and quantised to full-integer int8 (.int8.onnx and .int8.tflite, float I/O).
// On real Fashion-MNIST test images, through the Classifier API (same preprocessing as every
// runtime):
// - float32: LiteRT.js against onnxruntime-node (max |dp| <= 1e-5, the export parity budget, and
//   the same top-1 on every image) and against tfjs-tflite on the same .tflite file;
// - int8: LiteRT.js against tfjs-tflite on the same .int8.tflite (both are TFLite's integer
//   kernels; held to 0.02 on the float-softmax probabilities, what one int8 step on a logit
//   allows, and >= 99% top-1 agreement) and against onnxruntime-node's int8 (>= 98% top-1);
// - the predictions vary (a model answering one class would pass any agreement check);
// - typed errors: corrupt bytes, a web entry without the wasm location;
// - every zoo model (seeded weights) exported to .tflite and .int8.tflite: LiteRT.js against
//   tfjs-tflite on the same files (1e-5 float32, 0.02 int8, same top-1);
// - in headless Chromium (when installed): the same .tflite files run by LiteRT.js in the page,
//   from PNG bytes through the web entry's Classifier, against onnxruntime-node (float32) and
//   tfjs-tflite in Node (int8), and the page's numbers against LiteRT.js in Node; the same page
//   (the bench's chromium-litert / chromium-tflite page) running tfjs-tflite against Node's.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildTflitePage } from '@edgeml/bench';
import { createMemorySource, encodePng, sha256Hex } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { exportModelPackage, quantizeModelPackage } from '@edgeml/optimizer';
import {
  type Classifier,
  type ClassifierPrecision,
  createClassifier as createWebClassifier,
  type RuntimeName,
} from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import {
  buildModel,
  datasetReference,
  type LoadDatasetOptions,
  loadDataset,
  selectBackend,
  trainPackage,
  validateTrainConfig,
  writeTrainedPackage,
  ZOO_MODEL_NAMES,
} from '@edgeml/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import type { FixtureImages } from './support/fashion-fixture.js';
import { serveDirectory } from './support/static-server.js';

const IMAGES = 200;
/** Export parity budget between runtimes on a float32 file (README: max |dp| <= 1e-5). */
const FLOAT_TOLERANCE = 1e-5;
/** One int8 step on a logit, seen through the float softmax (see the file comment). */
const INT8_TOLERANCE = 0.02;
const DATA: LoadDatasetOptions = { name: 'fashion-mnist', perClass: 500, seed: 3 };

/** Trains cnn-tiny on DATA into `root`/trained; exports float files into `root`/pkg and int8 into `root`/int8. */
async function trainedPackages(root: string): Promise<{ float: string; int8: string; accuracy: number }> {
  const backend = await selectBackend('wasm');
  const dataset = await loadDataset(DATA);
  const trained = join(root, 'trained');
  const model = buildModel('cnn-tiny', { inputShape: [28, 28, 1], numClasses: 10, seed: 11 });
  const result = await trainPackage({
    model,
    modelName: 'cnn-tiny',
    dataset,
    data: datasetReference(DATA, dataset.info),
    config: validateTrainConfig({ epochs: 5, batchSize: 32, optimizer: { lr: 0.003 }, seed: 11 }),
    backend: { name: backend.name, detail: backend.detail },
    outDir: trained,
    name: 'fashion-tiny-trained',
    resume: false,
    evalLimit: 500,
    toolVersion: 'test',
  });
  result.model.dispose();
  const float = join(root, 'pkg');
  await exportModelPackage(trained, float, { formats: ['onnx', 'tflite'], toolVersion: 'test' });
  const int8 = join(root, 'int8');
  await quantizeModelPackage(trained, int8, {
    dataset: DATA,
    calibrationImages: 64,
    evalImages: 0,
    latencyRuns: 0,
    toolVersion: 'test',
  });
  return { float, int8, accuracy: result.test.accuracy };
}

/** `count` Fashion-MNIST test images spread evenly over the test split (its order groups classes), as PNGs. */
async function spreadTestPngs(count: number): Promise<FixtureImages> {
  const split = (await loadDataset({ name: 'fashion-mnist' })).split('test');
  const step = Math.floor(split.labels.length / count);
  const indices = Array.from({ length: count }, (_, i) => i * step);
  const pixels = await split.readPixels(indices);
  const pngs = indices.map((_, i) =>
    encodePng({ width: 28, height: 28, channels: 1, data: pixels.slice(i * 784, (i + 1) * 784) }),
  );
  return { pngs, labels: indices.map((i) => split.labels[i] ?? -1) };
}

/** Every class probability of every image (label order). */
async function probabilities(classifier: Classifier, pngs: readonly Uint8Array[]): Promise<Float32Array[]> {
  const labels = classifier.manifest.labels.length;
  const out: Float32Array[] = [];
  for (const png of pngs) {
    const { predictions } = await classifier.classify(png, { topK: labels });
    const p = new Float32Array(labels);
    for (const q of predictions) p[q.index] = q.probability;
    out.push(p);
  }
  return out;
}

function argmax(p: Float32Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

/** Max |a - b| over every probability, and how many images have the same top-1. */
function compare(a: readonly Float32Array[], b: readonly Float32Array[]): { maxAbs: number; top1: number } {
  let maxAbs = 0;
  let top1 = 0;
  for (const [i, p] of a.entries()) {
    const q = b[i]!;
    for (let k = 0; k < p.length; k++) maxAbs = Math.max(maxAbs, Math.abs(p[k]! - q[k]!));
    if (argmax(p) === argmax(q)) top1++;
  }
  return { maxAbs, top1 };
}

/** Runs `runtime` on a package over the images and frees it. */
async function runOn(
  dir: string,
  runtime: RuntimeName,
  precision: ClassifierPrecision,
  pngs: readonly Uint8Array[],
): Promise<Float32Array[]> {
  const classifier = await createClassifier(dir, { runtime, precision });
  try {
    expect(classifier.file.format).toBe(runtime.startsWith('ort') ? 'onnx' : 'tflite');
    return await probabilities(classifier, pngs);
  } finally {
    await classifier.dispose();
  }
}

const table: string[] = [];

describe('runtime litert (LiteRT.js) conformance on a trained model', () => {
  let root: string;
  let packages: { float: string; int8: string; accuracy: number };
  let images: FixtureImages;
  const results = new Map<string, Float32Array[]>();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-litert-'));
    packages = await trainedPackages(root);
    images = await spreadTestPngs(IMAGES);
    for (const precision of ['float32', 'int8'] as const) {
      const dir = precision === 'float32' ? packages.float : packages.int8;
      for (const runtime of ['ort-node', 'tflite', 'litert'] as const)
        results.set(`${runtime} ${precision}`, await runOn(dir, runtime, precision, images.pngs));
    }
  }, 600_000);
  afterAll(async () => {
    if (table.length > 0)
      console.log(`\nLiteRT.js conformance (${IMAGES} Fashion-MNIST test images)\n${table.join('\n')}`);
    await rm(root, { recursive: true, force: true });
  });

  it('the trained model answers varied, mostly right classes (the checks below can fail)', () => {
    const litert = results.get('litert float32')!;
    const classes = new Set(litert.map(argmax));
    const right = litert.filter((p, i) => argmax(p) === images.labels[i]).length;
    table.push(
      `trained cnn-tiny: test accuracy ${(packages.accuracy * 100).toFixed(2)}% (first 500), litert top-1 ${right}/${IMAGES} right, ${classes.size} classes answered`,
    );
    expect(classes.size).toBeGreaterThanOrEqual(8);
    expect(right / IMAGES).toBeGreaterThan(0.6);
  });

  it(`float32 in Node: LiteRT.js matches onnxruntime-node within ${FLOAT_TOLERANCE} with the same top-1`, () => {
    const litert = results.get('litert float32')!;
    for (const reference of ['ort-node', 'tflite'] as const) {
      const { maxAbs, top1 } = compare(litert, results.get(`${reference} float32`)!);
      table.push(
        `float32 litert vs ${reference}: max |dp| ${maxAbs.toExponential(2)}, top-1 ${top1}/${IMAGES}`,
      );
      expect(maxAbs, reference).toBeLessThanOrEqual(FLOAT_TOLERANCE);
      expect(top1, reference).toBe(IMAGES);
    }
  });

  it('int8 in Node: LiteRT.js matches tfjs-tflite on the same .int8.tflite within one step, and onnxruntime-node int8 on top-1', () => {
    const litert = results.get('litert int8')!;
    const tflite = compare(litert, results.get('tflite int8')!);
    const ort = compare(litert, results.get('ort-node int8')!);
    const float = compare(litert, results.get('ort-node float32')!);
    table.push(
      `int8 litert vs tflite (same file): max |dp| ${tflite.maxAbs.toExponential(2)}, top-1 ${tflite.top1}/${IMAGES}`,
      `int8 litert vs ort-node int8: max |dp| ${ort.maxAbs.toExponential(2)}, top-1 ${ort.top1}/${IMAGES}`,
      `int8 litert vs ort-node float32: max |dp| ${float.maxAbs.toExponential(2)}, top-1 ${float.top1}/${IMAGES}`,
    );
    expect(tflite.maxAbs).toBeLessThanOrEqual(INT8_TOLERANCE);
    expect(tflite.top1 / IMAGES).toBeGreaterThanOrEqual(0.99);
    expect(ort.top1 / IMAGES).toBeGreaterThanOrEqual(0.98);
    // The quantised model is still the same classifier (and not the float file by mistake).
    expect(float.top1 / IMAGES).toBeGreaterThanOrEqual(0.95);
    expect(float.maxAbs).toBeGreaterThan(0);
  });

  it('refuses corrupt bytes (MODEL_INVALID) and a web entry that does not say where its wasm is (BACKEND_UNAVAILABLE)', async () => {
    const pkg = await readModelPackageDir(packages.float, { verify: false });
    const files: Record<string, Uint8Array> = {};
    for (const f of pkg.manifest.files) files[f.path] = await pkg.readFile(f.path);
    const garbage = new TextEncoder().encode('this is not a tflite flatbuffer at all, not even close');
    const manifest = JSON.parse(await readFile(join(packages.float, 'manifest.json'), 'utf8'));
    const entry = manifest.files.find((f: { path: string }) => f.path === 'model.tflite');
    entry.bytes = garbage.byteLength;
    entry.sha256 = await sha256Hex(garbage);
    const bad = createMemorySource({
      ...files,
      'manifest.json': JSON.stringify(manifest),
      'model.tflite': garbage,
    });
    await expect(createClassifier(bad, { runtime: 'litert' })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/^litert cannot load model file 'model.tflite'/),
    });
    const good = createMemorySource({
      ...files,
      'manifest.json': (await pkg.source.read('manifest.json'))!,
    });
    // The web entry in Node: LiteRT.js is already loaded in this realm (by the Node entry above),
    // so it is shared; the refusal is checked on a fresh realm in Chromium below, and here the
    // web entry must at least run the same file to the same answer.
    const web = await createWebClassifier(good, { runtime: 'litert' });
    const node = await createClassifier(good, { runtime: 'litert' });
    const x = web.preprocess(images.pngs[0]!).tensor;
    expect((await web.classify(x, { topK: 10 })).predictions).toEqual(
      (await node.classify(x, { topK: 10 })).predictions,
    );
    await web.dispose();
    await node.dispose();
  });

  it('loads next to tfjs-tflite in a fresh process at the same time (both shim Worker globals while they load; they take turns)', async () => {
    // Before the shared lock, tfjs-tflite's `self.location` shim was replaced by LiteRT.js's and
    // then deleted mid-load: both loads failed and tfjs-tflite's client crashed the process.
    const script = `
      import { createClassifier } from '@edgeml/runtime-edge/node';
      const loads = ['tflite', 'litert', 'tflite', 'litert'].map((runtime) =>
        createClassifier(${JSON.stringify(packages.float)}, { runtime }).then(
          async (c) => { const r = await c.classify(new Float32Array(784).fill(0.5), { topK: 1 }); return runtime + ' ' + r.predictions[0].index; },
          (e) => runtime + ' failed: ' + e.message));
      console.log(JSON.stringify(await Promise.all(loads)));
      process.exit(0);`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: import.meta.dirname, timeout: 120_000 },
    );
    const answers = JSON.parse(stdout.trim().split('\n').pop()!) as string[];
    expect(answers.join('; ')).not.toMatch(/failed/);
    expect(answers).toHaveLength(4);
    expect(new Set(answers.map((a) => a.split(' ')[1])).size).toBe(1);
  });

  it("in headless Chromium: LiteRT.js in the page gives Node's numbers (float32 vs onnxruntime-node, int8 vs tfjs-tflite), and the web entry without a wasm location is refused", async () => {
    const browser = await launchChromium();
    try {
      for (const precision of ['float32', 'int8'] as const) {
        const site = join(root, `page-${precision}`);
        await buildTflitePage(precision === 'float32' ? packages.float : packages.int8, site);
        const server = await serveDirectory(site);
        try {
          const page = await browser.context.newPage();
          await page.goto(`${server.url}index.html`);
          const b64 = images.pngs.map((png) => Buffer.from(png).toString('base64'));
          const answer = (await page.evaluate(
            `(async () => {
              const lib = await import('./edgeml-tflite.js');
              const refusal = await lib.loadTflitePageClassifier('litert', ${JSON.stringify(precision)}, { litertWasmPath: '' })
                .then(() => 'loaded', (e) => e.code + ': ' + e.message);
              const pngs = ${JSON.stringify(b64)}.map((s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0)));
              const run = async (runtime) => {
                const c = await lib.loadTflitePageClassifier(runtime, ${JSON.stringify(precision)});
                const probs = [];
                for (const png of pngs) {
                  const { predictions } = await c.classify(png, { topK: 10 });
                  const p = new Array(10).fill(0);
                  for (const q of predictions) p[q.index] = q.probability;
                  probs.push(p);
                }
                await c.dispose();
                return probs;
              };
              const probs = await run('litert');
              const wasm = performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => n.endsWith('.wasm'));
              // The bench's chromium-tflite runtime on the same page: tfjs-tflite's own interpreter.
              const tflite = await run('tflite');
              return { refusal, probs, wasm, tflite };
            })()`,
          )) as { refusal: string; probs: number[][]; wasm: string[]; tflite: number[][] };
          await page.close();
          expect(answer.refusal).toMatch(/^BACKEND_UNAVAILABLE: .*liteRt\.wasmPath/);
          expect(answer.wasm).toEqual(['litert_wasm_internal.wasm']);
          const inPage = answer.probs.map((p) => Float32Array.from(p));
          const node = compare(inPage, results.get(`litert ${precision}`)!);
          const reference = compare(
            inPage,
            results.get(precision === 'float32' ? 'ort-node float32' : 'tflite int8')!,
          );
          const against = precision === 'float32' ? 'ort-node' : 'tflite (Node)';
          const pageTflite = compare(
            answer.tflite.map((p) => Float32Array.from(p)),
            results.get(`tflite ${precision}`)!,
          );
          // Same interpreter, same file, same tensors: the page's tfjs-tflite gives Node's answers.
          expect(pageTflite.maxAbs).toBeLessThanOrEqual(FLOAT_TOLERANCE);
          expect(pageTflite.top1).toBe(IMAGES);
          table.push(
            `Chromium ${precision} litert (${answer.wasm.join(', ')}) vs litert in Node: max |dp| ${node.maxAbs.toExponential(2)}, top-1 ${node.top1}/${IMAGES}`,
            `Chromium ${precision} litert vs ${against}: max |dp| ${reference.maxAbs.toExponential(2)}, top-1 ${reference.top1}/${IMAGES}`,
            `Chromium ${precision} tfjs-tflite (page) vs tflite in Node: max |dp| ${pageTflite.maxAbs.toExponential(2)}, top-1 ${pageTflite.top1}/${IMAGES}`,
          );
          if (precision === 'float32') {
            expect(reference.maxAbs).toBeLessThanOrEqual(FLOAT_TOLERANCE);
            expect(reference.top1).toBe(IMAGES);
          } else {
            expect(reference.maxAbs).toBeLessThanOrEqual(INT8_TOLERANCE);
            expect(reference.top1 / IMAGES).toBeGreaterThanOrEqual(0.99);
          }
        } finally {
          await server.close();
        }
      }
    } finally {
      await browser.close();
    }
  }, 300_000);
});

/** Images per zoo model (seeded weights, so numbers only: agreement of two runtimes on one file). */
const ZOO_IMAGES = 24;

describe("runtime litert on every zoo model's .tflite files (seeded weights, float32 and int8)", () => {
  let root: string;
  let images: FixtureImages;
  const zooTable: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-litert-zoo-'));
    images = await spreadTestPngs(ZOO_IMAGES);
  });
  afterAll(async () => {
    console.log(`\nLiteRT.js vs tfjs-tflite on the zoo (${ZOO_IMAGES} images)\n${zooTable.join('\n')}`);
    await rm(root, { recursive: true, force: true });
  });

  for (const name of ZOO_MODEL_NAMES) {
    it(`${name}: LiteRT.js gives tfjs-tflite's answers on the same .tflite and .int8.tflite`, async () => {
      const dataset = await loadDataset({ name: 'fashion-mnist' });
      const trained = join(root, name, 'trained');
      const model = buildModel(name, { inputShape: [28, 28, 1], numClasses: 10, seed: 5 });
      await writeTrainedPackage(trained, {
        name,
        model,
        dataset: dataset.info,
        metrics: {},
        lineage: [],
        data: datasetReference({ name: 'fashion-mnist' }, dataset.info),
        summary: { model: name },
      });
      model.dispose();
      const float = join(root, name, 'pkg');
      await exportModelPackage(trained, float, { formats: ['tflite'], toolVersion: 'test' });
      const int8 = join(root, name, 'int8');
      await quantizeModelPackage(trained, int8, {
        dataset: { name: 'fashion-mnist' },
        calibrationImages: 32,
        evalImages: 0,
        latencyRuns: 0,
        toolVersion: 'test',
      });
      for (const [precision, dir] of [
        ['float32', float],
        ['int8', int8],
      ] as const) {
        const litert = await runOn(dir, 'litert', precision, images.pngs);
        const tflite = await runOn(dir, 'tflite', precision, images.pngs);
        const { maxAbs, top1 } = compare(litert, tflite);
        zooTable.push(
          `${name} ${precision}: max |dp| ${maxAbs.toExponential(2)}, top-1 ${top1}/${ZOO_IMAGES}`,
        );
        expect(maxAbs, precision).toBeLessThanOrEqual(
          precision === 'float32' ? FLOAT_TOLERANCE : INT8_TOLERANCE,
        );
        expect(top1, precision).toBeGreaterThanOrEqual(precision === 'float32' ? ZOO_IMAGES : ZOO_IMAGES - 1);
      }
    }, 300_000);
  }
});
