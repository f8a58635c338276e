// `edgeml optimize` on a tiny budget: a LeNet-5 teacher (one epoch on 1,024 images) and three
// recipes on a few hundred images, one epoch each. The latencies are injected (the A/B machinery runs on fixed timings), so no decision
// depends on timing luck; accuracies and file sizes are real. Checks: every tried recipe is
// reported with its recipe, the front is non-dominated, a recipe beyond the accuracy budget is not
// chosen even when it is the fastest, the chosen package exists and classifies like
// onnxruntime-node; and the command's typed refusals of bad flags.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelManifest } from '@edgeml/core';
import {
  choosePoint,
  dominates,
  mergeConfig,
  PRESETS,
  type Recipe,
  recipeId,
  runSearch,
  type SearchResult,
  TEACHER_RECIPE,
  validatePipelineConfig,
} from '@edgeml/pipeline';
import { createClassifier } from '@edgeml/runtime-edge/node';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/cli/src/testing/run-cli.js';

const TINY = {
  evalImages: 256,
  objective: { latencyBudgetS: 5 },
  teacher: { model: 'lenet5', epochs: 1, limit: 1024, schedule: 'constant' },
  distill: { student: 'cnn-tiny', epochs: 1, limit: 512 },
  // 99% of the weights zeroed, and a fine-tuning whose learning rate cannot move them: far beyond a
  // 1-point budget (a real fine-tuning of this under-trained teacher can even gain accuracy).
  prune: { finetuneEpochs: 0, limit: 256, lr: 1e-9 },
  quantize: { method: 'ptq', calibrationImages: 64, latencyRuns: 5 },
  export: { formats: ['onnx'], parityImages: 8 },
  package: { measureWorker: false },
};

const MAGNITUDE_95: Recipe = {
  student: 'none',
  prune: { method: 'magnitude', sparsity: 0.99 },
  quantize: null,
};
const STUDENT: Recipe = { student: 'cnn-tiny', prune: null, quantize: null };
const PTQ: Recipe = { student: 'none', prune: null, quantize: 'ptq' };
/** Injected speed-ups against the teacher: the recipe beyond the budget is by far the fastest. */
const SPEEDUP: Record<string, number> = {
  [recipeId(MAGNITUDE_95)]: 10,
  [recipeId(STUDENT)]: 3,
  [recipeId(PTQ)]: 1.5,
};

let dir: string;
let result: SearchResult;
const notes: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgeml-optimize-'));
  const base = validatePipelineConfig(mergeConfig(PRESETS.quick, { ...TINY, out: dir }));
  result = await runSearch(
    {
      base,
      recipes: [MAGNITUDE_95, STUDENT, PTQ],
      target: 'worker',
      maxDrop: 1,
      budgetS: 3600,
      timedRun: (recipe, model) => {
        const ms = model === 'teacher' ? 1 : 1 / (SPEEDUP[recipeId(recipe)] ?? 1);
        return async () => ms;
      },
    },
    { note: (line) => notes.push(line), progress: () => ({ onProgress: () => {}, stop: () => {} }) },
  );
}, 1_200_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('edgeml optimize (tiny budget)', () => {
  it('reports every tried recipe with its recipe, accuracy, size and speed-up', async () => {
    const { points } = result.report;
    expect(points.map((p) => p.id)).toEqual(
      expect.arrayContaining([TEACHER_RECIPE, MAGNITUDE_95, STUDENT, PTQ].map(recipeId)),
    );
    expect(points).toHaveLength(4);
    for (const p of points) {
      expect(p.recipe).toHaveProperty('student');
      // Timed on the Worker's runtime: the compiled module of the model's precision.
      expect(p.runtime).toBe('edgeml-wasm');
      expect(p.file).toBe(p.precision === 'int8' ? 'model.int8.wasm' : 'model.wasm');
      expect(p.accuracy).toBeGreaterThan(0);
      expect(p.bytes).toBeGreaterThan(0);
      expect(p.testImages).toBe(256);
    }
    const byId = new Map(points.map((p) => [p.id, p]));
    // The injected timings went through the A/B comparison.
    expect(byId.get(recipeId(STUDENT))?.speedup).toBeCloseTo(3, 6);
    expect(byId.get(recipeId(STUDENT))?.verdict).toBe('faster');
    expect(byId.get(recipeId(PTQ))?.precision).toBe('int8');
    expect(byId.get(recipeId(TEACHER_RECIPE))?.speedup).toBe(1);
    // The teacher trained once; every other recipe reused it.
    for (const p of points.filter((x) => x.id !== recipeId(TEACHER_RECIPE)))
      expect(p.reusedStages).toContain('train');
    // The files on disk say the same.
    const json = JSON.parse(await readFile(join(dir, 'search.json'), 'utf8'));
    expect(json.points).toHaveLength(4);
    const html = await readFile(join(dir, 'search.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(2);
    for (const p of points) expect(html).toContain(p.label);
    expect(notes.some((n) => n.startsWith('[recipe 2/4]'))).toBe(true);
    expect(notes.some((n) => n.includes('front so far:'))).toBe(true);
  });

  it('returns a non-dominated front', () => {
    const { points, front, minimize } = result.report;
    expect(front.length).toBeGreaterThan(0);
    for (const p of points) {
      const dominated = points.some((q) => dominates(q, p, minimize));
      expect(front.includes(p.id)).toBe(!dominated);
      expect(p.front).toBe(!dominated);
    }
  });

  it('does not choose a recipe beyond the accuracy budget, even the fastest', () => {
    const { points, chosen, maxDrop, minimize } = result.report;
    const beyond = points.find((p) => p.id === recipeId(MAGNITUDE_95));
    expect(
      beyond?.dropPoints,
      '99% magnitude pruning without effective fine-tuning should lose more than 1 point',
    ).toBeGreaterThan(maxDrop);
    expect(beyond?.speedup).toBeCloseTo(10, 6);
    expect(chosen).not.toBeNull();
    expect(chosen?.id).not.toBe(recipeId(MAGNITUDE_95));
    expect(chosen?.id).toBe(choosePoint(points, minimize, maxDrop));
    const point = points.find((p) => p.id === chosen?.id);
    expect(point?.dropPoints).toBeLessThanOrEqual(maxDrop);
    expect(point?.chosen).toBe(true);
  });

  it('packages the chosen model for the target; it classifies like onnxruntime-node', async () => {
    const chosen = result.report.chosen;
    if (chosen === null) throw new Error('nothing chosen');
    expect((await stat(join(chosen.packageDir, 'wrangler.toml'))).isFile()).toBe(true);
    // The Worker ships the file it serves only (its manifest still lists the package's other files).
    const manifest = JSON.parse(
      await readFile(join(chosen.modelDir, 'manifest.json'), 'utf8'),
    ) as ModelManifest;
    const point = result.report.points.find((p) => p.id === chosen.id);
    const precision = point?.precision ?? 'float32';
    // The search timed the file the Worker serves, on the runtime that serves it: the package
    // stage's compiled module, which the Worker bundles as src/<file>.
    expect(point?.runtime).toBe('edgeml-wasm');
    expect(point?.fallback).toBeNull();
    const compiledDir = join(point!.runDir, 'package', 'compiled');
    const served = await createClassifier(compiledDir, { runtime: 'edgeml-wasm', precision });
    expect(served.file.path).toBe(point?.file);
    expect(await readFile(join(chosen.packageDir, 'src', point!.file))).toEqual(
      await readFile(join(compiledDir, point!.file)),
    );
    const classifier = await createClassifier(compiledDir, { runtime: 'ort-node', precision });
    const session = await ort.InferenceSession.create(join(compiledDir, classifier.file.path));
    try {
      const { height, width, channels } = classifier.inputSpec;
      for (let n = 0; n < 3; n++) {
        const image = new Float32Array(height * width * channels).map(
          (_, i) => (Math.sin(i * 0.37 + n) + 1) / 2,
        );
        const ours = await classifier.classify(image, { topK: manifest.labels.length });
        const prepared = classifier.preprocess(image);
        const feeds = {
          [session.inputNames[0] as string]: new ort.Tensor('float32', prepared.tensor, [...prepared.shape]),
        };
        const raw = (await session.run(feeds))[session.outputNames[0] as string]?.data as Float32Array;
        const logits = (manifest.output?.activation ?? 'softmax') === 'none';
        const max = Math.max(...raw);
        const exp = Array.from(raw, (v) => Math.exp(v - max));
        const sum = exp.reduce((a, b) => a + b, 0);
        const probs = logits ? exp.map((v) => v / sum) : Array.from(raw);
        for (const p of ours.predictions) expect(p.probability).toBeCloseTo(probs[p.index] as number, 4);
        expect(ours.predictions[0]?.index).toBe(probs.indexOf(Math.max(...probs)));
        const compiled = await served.classify(image, { topK: manifest.labels.length });
        for (const p of compiled.predictions) expect(p.probability).toBeCloseTo(probs[p.index] as number, 4);
        expect(compiled.predictions[0]?.index).toBe(ours.predictions[0]?.index);
      }
    } finally {
      await served.dispose();
      await classifier.dispose();
      await session.release();
    }
  });
});

describe('edgeml optimize refuses bad flags with typed errors', () => {
  it.each([
    [
      ['--target', 'gpu'],
      /'target' must be 'worker', 'ort-web', 'chromium', 'ort-node' or 'tflite', got "gpu" \(--target\)/,
    ],
    [['--budget', 'soon'], /--budget must be a duration such as 30m, 90s or 1h30m, got 'soon'/],
    [['--budget', '30'], /--budget must be a duration/],
    [['--max-drop=-1'], /'maxDrop' must be in \[0, 100\], got -1 \(--max-drop\)/],
    [['--prune', 'structured:1.5'], /--prune must list 'none' or METHOD:SPARSITY/],
    [['--students', 'lenet5,resnet999'], /'students' must be a list of distinct values/],
  ])('%j', async (args, message) => {
    const { code, stderr } = await runCli(['optimize', '--out', join(tmpdir(), 'never-written'), ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
