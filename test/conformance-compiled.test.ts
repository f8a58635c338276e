/**
 * Conformance of `edgeml compile`'s modules (runtime `edgeml-wasm`):
 * - every zoo model (seeded random weights; resnet8 and mobilenetv2-tiny also with SE) on 1,000
 *   real Fashion-MNIST test images (EDGEML_CONFORMANCE_IMAGES=10000: the whole test split): float32 module vs onnxruntime-node on the same graph's ONNX
 *   (max |dp| and top-1 agreement, asserted >= 99.9%); int8 module (PTQ, minmax calibration on 64
 *   training images) vs the integer reference interpreter on 24 images: every logit within one
 *   quantisation step, and in fact every one equal (the module computes the reference's arithmetic);
 * - a trained model (lenet5 on MNIST, test/support/trained-fixture.ts) on the whole MNIST test
 *   split: float32 vs onnxruntime-node, int8 vs the integer reference, accuracies reported.
 * - `edgeml compile` on a package (the seeded cnn-tiny fixture), float32 and int8, then
 *   createClassifier({ runtime: 'edgeml-wasm' }) against onnxruntime-node on 100 Fashion-MNIST
 *   test PNGs through the shared preprocessing.
 * Prints one table at the end.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '@edgeml/cli';
import { COMPILE_OPTIONS, type CompiledModel, compileGraph, compileModelPackage } from '@edgeml/compiler';
import { ConfigError, checkOption } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  calibrate,
  emitOnnx,
  type IrGraph,
  interpretInt8Graph,
  onnxruntimeNodeRuntimes,
  prepareGraphForExport,
  quantizeGraph,
  readOnnxSignature,
} from '@edgeml/optimizer';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { buildModel, type DataSplit, loadDataset, selectBackend } from '@edgeml/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';
import { type TrainedFixture, trainFixturePackage } from './support/trained-fixture.js';

// Float32 images per zoo model: 1,000 in CI; EDGEML_CONFORMANCE_IMAGES=10000 runs the whole
// Fashion-MNIST test split (about 5 minutes more on 2 cores; the README records such a run).
const FLOAT_IMAGES = Number(process.env['EDGEML_CONFORMANCE_IMAGES'] ?? 1000);
const INT8_IMAGES = 24;
const CALIBRATION_IMAGES = 64;
const ZOO: readonly { name: string; options: Record<string, unknown> }[] = [
  { name: 'lenet5', options: {} },
  { name: 'cnn-tiny', options: {} },
  { name: 'cnn-small', options: {} },
  { name: 'article-cnn', options: {} },
  { name: 'reference-cnn', options: {} },
  { name: 'resnet8', options: {} },
  { name: 'resnet8', options: { se: true } },
  { name: 'resnet20', options: {} },
  { name: 'mobilenetv2-tiny', options: {} },
  { name: 'mobilenetv2-tiny', options: { se: true } },
];

interface Images {
  readonly x: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly labels: Int32Array;
}

interface Row {
  model: string;
  precision: string;
  images: number;
  reference: string;
  maxAbsDiff: number;
  top1Agree: number;
  note: string;
}
const rows: Row[] = [];

async function imagesOf(split: DataSplit, count: number, seed = 0): Promise<Images> {
  for await (const batch of split.batches({ batchSize: count, shuffle: true, seed, limit: count })) {
    return { x: batch.x, shape: batch.shape as Images['shape'], labels: batch.y };
  }
  throw new Error('no images');
}

function slice(images: Images, count: number): Images {
  const size = images.shape[1] * images.shape[2] * images.shape[3];
  return {
    x: images.x.subarray(0, count * size),
    shape: [count, images.shape[1], images.shape[2], images.shape[3]],
    labels: images.labels.subarray(0, count),
  };
}

/** Loads a compiled model through its own model.js (written to a temporary directory). */
async function loadCompiled(compiled: CompiledModel): Promise<{ run(x: Float32Array): Float32Array }> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeml-conformance-'));
  try {
    await writeFile(join(dir, 'model.wasm'), compiled.wasm);
    await writeFile(join(dir, 'model.js'), compiled.js);
    const module = await import(pathToFileURL(join(dir, 'model.js')).href);
    return await module.load();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `compiled` on every image; outputs concatenated. */
async function runCompiled(compiled: CompiledModel, images: Images): Promise<Float32Array> {
  const model = await loadCompiled(compiled);
  const size = images.shape[1] * images.shape[2] * images.shape[3];
  const count = images.shape[0];
  const classes = compiled.meta.outputLength;
  const out = new Float32Array(count * classes);
  for (let i = 0; i < count; i++)
    out.set(model.run(images.x.subarray(i * size, (i + 1) * size)), i * classes);
  return out;
}

async function runOrtNode(graph: IrGraph, images: Images): Promise<Float32Array> {
  const bytes = emitOnnx(graph);
  const session = await onnxruntimeNodeRuntimes(['all'])[0]!.createSession(bytes, readOnnxSignature(bytes));
  const size = images.shape[1] * images.shape[2] * images.shape[3];
  const parts: Float32Array[] = [];
  for (let at = 0; at < images.shape[0]; at += 250) {
    const n = Math.min(250, images.shape[0] - at);
    parts.push(
      new Float32Array(
        await session.run(images.x.subarray(at * size, (at + n) * size), [n, ...images.shape.slice(1)]),
      ),
    );
  }
  await session.release();
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function argmax(v: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[at + i]! > v[at + best]!) best = i;
  return best;
}

function compare(
  a: Float32Array,
  b: Float32Array,
  classes: number,
): { maxAbsDiff: number; top1Agree: number } {
  expect(a.length).toBe(b.length);
  let maxAbsDiff = 0;
  let top1Agree = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i]! - b[i]!));
  for (let k = 0; k < a.length / classes; k++)
    if (argmax(a, k * classes, classes) === argmax(b, k * classes, classes)) top1Agree++;
  return { maxAbsDiff, top1Agree };
}

function accuracy(scores: Float32Array, labels: Int32Array, classes: number): number {
  let right = 0;
  for (let k = 0; k < labels.length; k++) if (argmax(scores, k * classes, classes) === labels[k]) right++;
  return right / labels.length;
}

/** The graph without its final Softmax: its output is the logits (int8 in a quantised graph). */
function logitsGraph(graph: IrGraph): IrGraph {
  const last = graph.nodes.at(-1)!;
  if (last.op !== 'Softmax') return graph;
  return { ...graph, nodes: graph.nodes.slice(0, -1), outputs: [last.inputs[0]!] };
}

/** The int8 module's logits vs the integer reference's: worst difference in steps, exact count. */
async function compareInt8(quantized: IrGraph, images: Images) {
  const logits = logitsGraph(quantized);
  const output = logits.outputs[0]!;
  const scale = logits.tensors[output]!.quant!.scale[0]!;
  expect(logits.tensors[output]!.dtype, 'the logits are int8').toBe('int8');
  const compiled = await compileGraph(logits);
  expect(compiled.report.precision).toBe('int8');
  const got = await runCompiled(compiled, images);
  const ref = interpretInt8Graph(logits, { [logits.inputs[0]!]: { data: images.x, shape: images.shape } })[
    output
  ]!;
  let worstSteps = 0;
  let exact = 0;
  for (let i = 0; i < got.length; i++) {
    const steps = Math.abs(got[i]! - ref.value.data[i]!) / scale;
    worstSteps = Math.max(worstSteps, steps);
    if (steps < 1e-3) exact++;
  }
  const classes = got.length / images.shape[0];
  return { worstSteps, exact, total: got.length, ...compare(got, ref.value.data, classes), compiled, got };
}

describe('compiled modules (edgeml-wasm), zoo models with seeded weights', () => {
  let floatImages: Images;
  let calibration: Images;
  beforeAll(async () => {
    await selectBackend('cpu');
    const dataset = await loadDataset({ name: 'fashion-mnist' });
    floatImages = await imagesOf(dataset.split('test'), FLOAT_IMAGES);
    calibration = await imagesOf(dataset.split('train'), CALIBRATION_IMAGES);
  });

  for (const { name, options } of ZOO) {
    const label = options['se'] ? `${name} (se)` : name;
    it(`${label}: float32 top-1 matches onnxruntime-node on >= 99.9% of ${FLOAT_IMAGES} images; int8 logits equal to the integer reference`, async () => {
      const model = buildModel(name, { inputShape: [28, 28, 1], numClasses: 10, seed: 1, ...options });
      const { graph } = prepareGraphForExport(model);
      model.dispose();
      const compiled = await compileGraph(graph);
      const classes = compiled.meta.outputLength;
      const float = compare(
        await runCompiled(compiled, floatImages),
        await runOrtNode(graph, floatImages),
        classes,
      );
      rows.push({
        model: label,
        precision: 'float32',
        images: FLOAT_IMAGES,
        reference: 'onnxruntime-node',
        ...float,
        note: `wasm ${compiled.report.wasmBytes} B (code ${compiled.report.codeBytes} B)`,
      });
      expect(float.top1Agree / FLOAT_IMAGES).toBeGreaterThanOrEqual(0.999);
      expect(float.maxAbsDiff).toBeLessThanOrEqual(1e-4);

      const ranges = await calibrate(
        graph,
        { x: calibration.x, shape: calibration.shape },
        { method: 'minmax' },
      );
      const quantized = quantizeGraph(graph, ranges).graph;
      const int8 = await compareInt8(quantized, slice(floatImages, INT8_IMAGES));
      rows.push({
        model: label,
        precision: 'int8 logits',
        images: INT8_IMAGES,
        reference: 'integer reference',
        maxAbsDiff: int8.maxAbsDiff,
        top1Agree: int8.top1Agree,
        note: `worst ${int8.worstSteps.toFixed(3)} steps, ${int8.exact}/${int8.total} logits equal; wasm ${int8.compiled.report.wasmBytes} B (code ${int8.compiled.report.codeBytes} B)`,
      });
      expect(int8.worstSteps).toBeLessThanOrEqual(1 + 1e-6);
      // The module computes the reference's arithmetic (float64 multipliers, halves up) lane by
      // lane, so every logit is equal, not only within the step the issue allows.
      expect(int8.exact).toBe(int8.total);
    });
  }
});

describe('compiled modules (edgeml-wasm), a trained lenet5 on the whole MNIST test split', () => {
  let root: string;
  let fixture: TrainedFixture;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-compiled-trained-'));
    fixture = await trainFixturePackage(root);
  }, 600_000);
  afterAll(async () => {
    fixture?.teacher.model.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('float32 agrees with onnxruntime-node and int8 with the integer reference on >= 99.9% of the images', async () => {
    const split = fixture.dataset.split('test');
    const images = await imagesOf(split, split.size);
    const { graph } = prepareGraphForExport(fixture.teacher.model);
    const compiled = await compileGraph(graph);
    const classes = compiled.meta.outputLength;
    const scores = await runCompiled(compiled, images);
    const float = compare(scores, await runOrtNode(graph, images), classes);
    rows.push({
      model: 'lenet5 trained (MNIST)',
      precision: 'float32',
      images: images.shape[0],
      reference: 'onnxruntime-node',
      ...float,
      note: `accuracy ${(100 * accuracy(scores, images.labels, classes)).toFixed(2)}% (trainer: ${(100 * fixture.testAccuracy).toFixed(2)}%)`,
    });
    expect(float.top1Agree / images.shape[0]).toBeGreaterThanOrEqual(0.999);
    expect(float.maxAbsDiff).toBeLessThanOrEqual(1e-4);

    const calibration = await imagesOf(fixture.dataset.split('train'), 256);
    const ranges = await calibrate(
      graph,
      { x: calibration.x, shape: calibration.shape },
      { method: 'minmax' },
    );
    const quantized = quantizeGraph(graph, ranges).graph;
    const int8 = await compareInt8(quantized, images);
    rows.push({
      model: 'lenet5 trained (MNIST)',
      precision: 'int8 logits',
      images: images.shape[0],
      reference: 'integer reference',
      maxAbsDiff: int8.maxAbsDiff,
      top1Agree: int8.top1Agree,
      note: `worst ${int8.worstSteps.toFixed(3)} steps, ${int8.exact}/${int8.total} equal; accuracy ${(100 * accuracy(int8.got, images.labels, classes)).toFixed(2)}%`,
    });
    expect(int8.worstSteps).toBeLessThanOrEqual(1 + 1e-6);
    expect(int8.exact).toBe(int8.total);
    expect(int8.top1Agree / images.shape[0]).toBeGreaterThanOrEqual(0.999);
  });
});

describe("edgeml compile and runtime 'edgeml-wasm' on a model package", () => {
  let root: string;
  let pkgDir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-compile-cli-'));
    pkgDir = await writeFixturePackage(root);
  }, 300_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('writes model.wasm/model.js (float32) and model.int8.wasm/model.int8.js into the package; the classifier agrees with onnxruntime-node', async () => {
    // edgeml quantize with its defaults (PTQ, minmax, 512 calibration images, seed 0), then both
    // compiles: the int8 module is quantised with the same parameters as model.int8.onnx.
    const out = join(root, 'compiled');
    expect(await main(['quantize', '--model', pkgDir, '--eval', '0', '--out', out])).toBe(0);
    expect(await main(['compile', '--model', out, '--out', out])).toBe(0);
    expect(await main(['compile', '--model', out, '--precision', 'int8', '--out', out])).toBe(0);
    const { manifest } = await readModelPackageDir(out, { verify: true });
    const wasmFiles = manifest.files
      .filter((f) => f.format === 'wasm')
      .map((f) => `${f.path}:${f.precision}`);
    expect(wasmFiles.sort()).toEqual(['model.int8.wasm:int8', 'model.wasm:float32']);
    expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['model.js', 'model.int8.js']));

    // model.js alone (no edgeml package): load() with no argument reads model.wasm beside it.
    const standalone = await import(pathToFileURL(join(out, 'model.js')).href);
    const loaded = await standalone.load();
    expect(loaded.run(new Float32Array(784)).length).toBe(manifest.labels.length);

    const { pngs } = await fashionTestPngs(100);
    const reference = await createClassifier(out, { runtime: 'ort-node' });
    const compiled = await createClassifier(out, { runtime: 'edgeml-wasm' });
    const compiledInt8 = await createClassifier(out, { runtime: 'edgeml-wasm', precision: 'int8' });
    const referenceInt8 = await createClassifier(out, { runtime: 'ort-node', precision: 'int8' });
    expect(compiledInt8.file.path).toBe('model.int8.wasm');
    let maxAbsDiff = 0;
    let agree = 0;
    let agreeInt8 = 0;
    let maxAbsDiffInt8 = 0;
    for (const png of pngs) {
      const [r, c, q, rq] = await Promise.all([
        reference.classify(png, { topK: 10 }),
        compiled.classify(png, { topK: 10 }),
        compiledInt8.classify(png, { topK: 10 }),
        referenceInt8.classify(png, { topK: 10 }),
      ]);
      const byLabelInt8 = new Map(rq.predictions.map((p) => [p.label, p.probability]));
      for (const p of q.predictions)
        maxAbsDiffInt8 = Math.max(maxAbsDiffInt8, Math.abs(p.probability - byLabelInt8.get(p.label)!));
      if (rq.predictions[0]!.label === q.predictions[0]!.label) agreeInt8++;
      const byLabel = new Map(r.predictions.map((p) => [p.label, p.probability]));
      for (const p of c.predictions)
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p.probability - byLabel.get(p.label)!));
      if (r.predictions[0]!.label === c.predictions[0]!.label) agree++;
    }
    await Promise.all([
      reference.dispose(),
      compiled.dispose(),
      compiledInt8.dispose(),
      referenceInt8.dispose(),
    ]);
    rows.push({
      model: 'cnn-tiny package (classifier)',
      precision: 'float32',
      images: pngs.length,
      reference: 'onnxruntime-node',
      maxAbsDiff,
      top1Agree: agree,
      note: 'edgeml compile + createClassifier',
    });
    rows.push({
      model: 'cnn-tiny package (classifier)',
      precision: 'int8',
      images: pngs.length,
      reference: 'onnxruntime-node, model.int8.onnx',
      maxAbsDiff: maxAbsDiffInt8,
      top1Agree: agreeInt8,
      note: 'edgeml quantize (defaults), edgeml compile --precision int8',
    });
    expect(agree).toBe(pngs.length);
    expect(maxAbsDiff).toBeLessThanOrEqual(1e-5);
    // QDQ in onnxruntime rounds differently from the integer reference (within one step); the
    // probabilities may differ by what one logit step allows (0.02, the quantize tests' bound).
    expect(agreeInt8 / pngs.length).toBeGreaterThanOrEqual(0.98);
    expect(maxAbsDiffInt8).toBeLessThanOrEqual(0.02);
  });

  it('refuses a precision it does not compile with a ConfigError naming the allowed values', async () => {
    expect(
      await main(['compile', '--model', pkgDir, '--precision', 'int16', '--out', join(root, 'x')]),
    ).not.toBe(0);
    const refusal = (() => {
      try {
        checkOption(COMPILE_OPTIONS.precision, 'precision', 'int16', 'compile');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as Error).message).toMatch(/float32.*int8.*int16/);
    // int8 without calibration images is refused before anything is written.
    const error = await compileModelPackage(pkgDir, join(root, 'y'), { precision: 'int8' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
  });
});

afterAll(() => {
  const lines = [
    '| model | precision | images | reference | max abs diff | top-1 agree | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.precision} | ${r.images} | ${r.reference} | ${r.maxAbsDiff.toExponential(2)} | ${r.top1Agree}/${r.images} | ${r.note} |`,
    ),
  ];
  console.log(`\nCompiled-module conformance\n${lines.join('\n')}`);
});
