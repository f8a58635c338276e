// The pass gate's statistics and decision with injected timings (no wall-clock luck): the
// interleaved A/B comparison separates a real difference, calls equal models the same, stays
// undecided on noise within its budget; judgePass rejects on accuracy, on "improves nothing", on
// "slower", and keeps a forced pass saying so. gatePass on a seeded cnn-tiny and its int8 model:
// the Worker target is measured on the compiled module unless package.runtime is 'ort-web', and a
// model the compiler cannot compile falls back to onnxruntime-web with the reason recorded.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModelPackage, compilerFingerprint } from '@edgeml/compiler';
import { readModelPackageDir, writeModelPackage } from '@edgeml/core/node';
import { exportModelPackage, quantizeModelPackage } from '@edgeml/optimizer';
import {
  buildModel,
  datasetReference,
  loadDataset,
  selectBackend,
  writeTrainedPackage,
} from '@edgeml/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePipelineConfig } from '../config/validate-config.js';
import type { PipelineStage, StageContext } from '../engine/stage.js';
import type { StageRecord } from '../engine/stage-record.js';
import { distillGateStage } from '../stages/gate-stage.js';
import { packageStage } from '../stages/package-stage.js';
import { compareLatency, compareLatencyWeighted, normalQuantile, tQuantile } from './ab-compare.js';
import { type GateDecision, judgePass } from './judge-pass.js';
import { gatePass } from './pass-gate.js';

/** A seeded stream of timings around `ms` with relative noise `noise` (uniform), and a drift. */
function timings(ms: number, noise: number, seed: number) {
  let s = seed >>> 0;
  let i = 0;
  return async () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32 - 0.5;
    // A slow machine-wide drift (busy neighbours) that both arms share.
    const drift = 1 + 0.3 * Math.sin(i++ / 50);
    return ms * drift * (1 + noise * u);
  };
}

/** A fake clock that advances by the timings it is handed (the budget counts simulated time). */
function simulated(ms: number, noise: number, seed: number, clock: { t: number }) {
  const next = timings(ms, noise, seed);
  return async () => {
    const v = await next();
    clock.t += v;
    return v;
  };
}

describe('t and normal quantiles', () => {
  it('match the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 5);
    expect(tQuantile(0.975, 5)).toBeCloseTo(2.5706, 2);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.0423, 3);
    expect(tQuantile(0.995, 10)).toBeCloseTo(3.1693, 1);
  });
});

describe('compareLatency (interleaved A/B)', () => {
  it('separates a candidate 1.5x faster through noise and drift', async () => {
    const clock = { t: 0 };
    const r = await compareLatency(simulated(1.5, 0.4, 1, clock), simulated(1, 0.4, 2, clock), {
      budgetMs: 10_000,
      now: () => clock.t,
    });
    expect(r.verdict).toBe('faster');
    expect(r.stoppedBy).toBe('separated');
    expect(r.low).toBeGreaterThan(1);
    expect(r.speedup).toBeGreaterThan(1.35);
    expect(r.speedup).toBeLessThan(1.65);
    expect(r.low).toBeLessThanOrEqual(r.speedup);
    expect(r.high).toBeGreaterThanOrEqual(r.speedup);
  });

  it('calls a slower candidate slower', async () => {
    const clock = { t: 0 };
    const r = await compareLatency(simulated(1, 0.3, 3, clock), simulated(1.3, 0.3, 4, clock), {
      budgetMs: 10_000,
      now: () => clock.t,
    });
    expect(r.verdict).toBe('slower');
    expect(r.high).toBeLessThan(1);
  });

  it('calls two equal models the same when little noise lets the interval shrink within ±2%', async () => {
    const clock = { t: 0 };
    const r = await compareLatency(simulated(1, 0.02, 5, clock), simulated(1, 0.02, 6, clock), {
      budgetMs: 60_000,
      now: () => clock.t,
    });
    expect(r.verdict).toBe('same');
    expect(r.stoppedBy).toBe('equivalent');
    expect(r.low).toBeGreaterThan(0.98);
    expect(r.high).toBeLessThan(1.02);
  });

  it('ends undecided, with its interval, when the budget is spent on noisy equal models', async () => {
    const clock = { t: 0 };
    const r = await compareLatency(simulated(1, 0.8, 7, clock), simulated(1, 0.8, 8, clock), {
      budgetMs: 200,
      now: () => clock.t,
    });
    expect(r.verdict).toBe('undecided');
    expect(r.stoppedBy).toBe('budget');
    expect(r.low).toBeLessThan(1);
    expect(r.high).toBeGreaterThan(1);
    expect(r.blocks).toBeGreaterThanOrEqual(3);
  });

  it('weighs several targets by the geometric mean of their speed-ups', async () => {
    const clock = { t: 0 };
    const pairs = [
      // 3x faster on the first target, weight 3; 1.25x slower on the second, weight 1.
      { runA: simulated(3, 0.05, 11, clock), runB: simulated(1, 0.05, 12, clock), weight: 3 },
      { runA: simulated(1, 0.05, 13, clock), runB: simulated(1.25, 0.05, 14, clock), weight: 1 },
    ];
    const r = await compareLatencyWeighted(pairs, { budgetMs: 60_000, now: () => clock.t });
    const expected = Math.exp((3 * Math.log(3) + Math.log(1 / 1.25)) / 4);
    expect(r.verdict).toBe('faster');
    expect(r.speedup).toBeGreaterThan(expected * 0.97);
    expect(r.speedup).toBeLessThan(expected * 1.03);
    await expect(compareLatencyWeighted([{ ...pairs[0]!, weight: 0 }], { budgetMs: 1 })).rejects.toThrow(
      'every weight must be a finite number > 0, got 0',
    );
  });

  it('spends its confidence over the looks (Bonferroni)', async () => {
    const clock = { t: 0 };
    const r = await compareLatency(simulated(2, 0.1, 9, clock), simulated(1, 0.1, 10, clock), {
      budgetMs: 1e9,
      now: () => clock.t,
      minBlocks: 6,
      maxBlocks: 48,
    });
    // Looks at 6, 12, 24, 48: four looks share the 5%.
    expect(r.lookConfidence).toBeCloseTo(1 - 0.05 / 4, 10);
    expect(r.blocks).toBe(6);
    expect(r.runsPerModel).toBe(48);
  });
});

const base = {
  pass: 'prune',
  target: 'worker',
  maxAccuracyDrop: 1,
  minSizeGain: 0.05,
  teacherAccuracy: 0.9,
  parent: { accuracy: 0.895, bytes: 1000 },
  forced: false,
} as const;
const ab = (verdict: 'faster' | 'slower' | 'same' | 'undecided', speedup: number) => ({
  verdict,
  stoppedBy: 'separated' as const,
  speedup,
  low: speedup * 0.95,
  high: speedup * 1.05,
  confidence: 0.95,
  lookConfidence: 0.99,
  blocks: 12,
  runsPerModel: 96,
  medianAMs: speedup,
  medianBMs: 1,
  elapsedMs: 1000,
});

describe('judgePass', () => {
  it('rejects a candidate beyond the accuracy budget however fast it is', () => {
    const d = judgePass({
      ...base,
      minimize: 'both',
      candidate: { accuracy: 0.88, bytes: 300 },
      latency: ab('faster', 2),
    });
    expect(d.kept).toBe(false);
    expect(d.accuracyDropPoints).toBeCloseTo(2, 10);
    expect(d.reasons[0]).toMatch(
      /^loses accuracy beyond the budget: 2\.00 points below the teacher \(budget 1\.00/,
    );
  });

  it('rejects magnitude pruning judged on size: the dense file is no smaller', () => {
    const d = judgePass({
      ...base,
      minimize: 'size',
      candidate: { accuracy: 0.894, bytes: 1000 },
      latency: null,
    });
    expect(d.kept).toBe(false);
    expect(d.reasons[0]).toBe('not smaller by 5%: file 1000 -> 1000 bytes (1.00x)');
  });

  it('rejects int8 that is smaller but slower on the target when both are minimised', () => {
    const d = judgePass({
      ...base,
      pass: 'quantize',
      minimize: 'both',
      candidate: { accuracy: 0.894, bytes: 280 },
      latency: ab('slower', 0.76),
    });
    expect(d.kept).toBe(false);
    expect(d.reasons[0]).toMatch(
      /^slower on the target: worker inference speed-up 0\.76x \(parent \/ candidate\), 95% interval \[0\.72, 0\.80\]/,
    );
    // ... and keeps it when only size counts.
    expect(
      judgePass({ ...base, minimize: 'size', candidate: { accuracy: 0.894, bytes: 280 }, latency: null })
        .kept,
    ).toBe(true);
  });

  it('rejects a candidate whose latency is indistinguishable when latency is the objective', () => {
    const d = judgePass({
      ...base,
      minimize: 'latency',
      candidate: { accuracy: 0.894, bytes: 400 },
      latency: ab('undecided', 1.01),
    });
    expect(d.kept).toBe(false);
    expect(d.reasons[0]).toMatch(/^not faster beyond the noise/);
  });

  it('keeps a smaller candidate that is not slower (both), and a faster one within budget', () => {
    expect(
      judgePass({
        ...base,
        minimize: 'both',
        candidate: { accuracy: 0.894, bytes: 280 },
        latency: ab('same', 1),
      }),
    ).toMatchObject({ kept: true, pays: true, forced: false });
    expect(
      judgePass({
        ...base,
        minimize: 'latency',
        candidate: { accuracy: 0.892, bytes: 1000 },
        latency: ab('faster', 1.4),
      }),
    ).toMatchObject({ kept: true, pays: true });
  });

  it('keeps a forced pass that does not pay, and says so first', () => {
    const d = judgePass({
      ...base,
      minimize: 'size',
      candidate: { accuracy: 0.894, bytes: 1000 },
      latency: null,
      forced: true,
    });
    expect(d).toMatchObject({ kept: true, pays: false, forced: true });
    expect(d.reasons[0]).toBe('kept because it was forced (--force-pass prune)');
  });
});

describe('gatePass on the runtime the package ships', () => {
  let root: string;
  /** model.wasm / model.int8.wasm bytes, compiled here as the package stage compiles them. */
  let wasmBytes: { float32: number; int8: number };
  let int8OnnxBytes: number;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeml-gate-'));
    await selectBackend('cpu');
    const dataset = await loadDataset({ name: 'fashion-mnist' });
    const model = buildModel('cnn-tiny', { inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
    // The parent as a pass leaves it (TF.js only) and its int8 model (model.int8.onnx, no float files).
    const teacher = join(root, 'train', 'teacher');
    await writeTrainedPackage(teacher, {
      name: 'gate-tiny',
      model,
      dataset: dataset.info,
      metrics: {},
      lineage: [],
      data: datasetReference({ name: 'fashion-mnist' }, dataset.info),
      summary: { model: 'cnn-tiny' },
    });
    model.dispose();
    const int8 = join(root, 'quantize', 'int8');
    await quantizeModelPackage(teacher, int8, {
      dataset,
      calibrationImages: 16,
      evalImages: 0,
      latencyRuns: 0,
      toolVersion: 'test',
    });
    // A float parent the compiler cannot compile: ONNX only (export keeps the source's files, so
    // model.onnx is written again alone), no TF.js model to compile from.
    const exported = await readModelPackageDir(
      (
        await exportModelPackage(teacher, join(root, 'export', 'onnx'), {
          formats: ['onnx'],
          toolVersion: 'test',
        })
      ).outDir,
    );
    const { files: _files, schemaVersion: _version, ...draft } = exported.manifest;
    await writeModelPackage(join(root, 'export', 'onnx-only'), {
      manifest: draft,
      files: [
        {
          path: 'model.onnx',
          bytes: await exported.readFile('model.onnx'),
          format: 'onnx',
          precision: 'float32',
          role: 'model',
          inputLayout: 'NHWC',
        },
      ],
    });
    const ref = join(root, 'reference');
    await compileModelPackage(teacher, join(ref, 'float32'));
    await compileModelPackage(int8, join(ref, 'int8'), { precision: 'int8', quantization: 'onnx' });
    wasmBytes = {
      float32: (await stat(join(ref, 'float32', 'model.wasm'))).size,
      int8: (await stat(join(ref, 'int8', 'model.int8.wasm'))).size,
    };
    const { manifest } = await readModelPackageDir(int8);
    int8OnnxBytes = manifest.files.find((f) => f.path === 'model.int8.onnx')!.bytes;
  }, 300_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A stage context over `root` holding what gatePass reads: the config, the teacher's accuracy. */
  function context(runtime: string, minimize: 'size' | 'both', notes: string[]): StageContext {
    const config = validatePipelineConfig({
      objective: { targets: ['worker'], minimize, maxAccuracyDrop: 100, latencyBudgetS: 1 },
      package: { runtime },
    });
    const refused = () => {
      throw new Error('not used by gatePass');
    };
    return {
      config,
      runDir: root,
      backend: 'cpu',
      dataset: refused,
      datasetOptions: { name: 'fashion-mnist' },
      records: new Map([['train', { report: { accuracy: 0.5 } } as unknown as StageRecord]]),
      reused: new Set(),
      packageDir: (stage, role) => join(root, stage, role),
      packageInput: refused,
      continueFrom: refused,
      onProgress: () => {},
      note: (line) => notes.push(line),
    };
  }
  const gate = (ctx: StageContext, parent = { stage: 'train', role: 'teacher' }) =>
    gatePass(ctx, {
      pass: 'quantize',
      parent,
      candidate: { stage: 'quantize', role: 'int8' },
      candidateDir: join(root, 'quantize', 'int8'),
      candidatePrecision: 'int8',
      candidateAccuracy: 0.5,
      parentAccuracy: 0.5,
      workDir: join(root, `work-${Math.random().toString(36).slice(2)}`),
    });
  const measuredOf = (d: GateDecision) => d.measured!;

  it("times the compiled modules with package.runtime 'auto': model.wasm against model.int8.wasm", async () => {
    const notes: string[] = [];
    const { decision } = await gate(context('auto', 'both', notes));
    expect(measuredOf(decision)).toEqual([
      {
        target: 'worker',
        runtime: 'edgeml-wasm',
        parent: { file: 'model.wasm', bytes: wasmBytes.float32 },
        candidate: { file: 'model.int8.wasm', bytes: wasmBytes.int8 },
      },
    ]);
    expect(decision.sizeRatio).toBeCloseTo(wasmBytes.float32 / wasmBytes.int8, 12);
    expect(wasmBytes.int8).not.toBe(int8OnnxBytes);
    // The A/B comparison ran on the compiled modules (timings > 0 ms each) and says so.
    expect(decision.latency!.runsPerModel).toBeGreaterThan(0);
    expect(decision.latency!.medianAMs).toBeGreaterThan(0);
    expect(decision.latency!.medianBMs).toBeGreaterThan(0);
    expect(decision.target).toBe('worker (edgeml-wasm)');
    expect(decision.reasons).toContain('measured worker on edgeml-wasm (model.wasm -> model.int8.wasm)');
    expect(notes.some((n) => n.includes('onnxruntime-web'))).toBe(false);
  });

  it("times onnxruntime-web on model.int8.onnx with package.runtime 'ort-web'", async () => {
    const { decision } = await gate(context('ort-web', 'size', []));
    const [m] = measuredOf(decision);
    expect(m).toMatchObject({ target: 'worker', runtime: 'ort-web', parent: { file: 'model.onnx' } });
    expect(m!.candidate).toEqual({ file: 'model.int8.onnx', bytes: int8OnnxBytes });
    expect(m!.fallback).toBeUndefined();
    expect(decision.sizeRatio).toBeCloseTo(m!.parent.bytes / int8OnnxBytes, 12);
  });

  it('keys the gates and the package stage on the compiler when they use its modules', async () => {
    const fingerprint = await compilerFingerprint();
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const compiler = { name: 'compiler', sha256: fingerprint };
    const inputsOf = (stage: PipelineStage, runtime: string) => {
      const ctx = context(runtime, 'both', []);
      return stage.inputs({
        ...ctx,
        records: new Map(['train', 'distill'].map((s) => [s, { key: `${s}-key` } as unknown as StageRecord])),
        packageInput: async (stage, role) => ({ name: `${stage}/${role}`, sha256: 'sha' }),
      });
    };
    // The worker target times and serves compiled modules unless package.runtime is 'ort-web'.
    expect(await inputsOf(distillGateStage, 'auto')).toContainEqual(compiler);
    expect(await inputsOf(distillGateStage, 'ort-web')).not.toContainEqual(compiler);
    expect(await inputsOf(packageStage, 'auto')).toContainEqual(compiler);
    expect(await inputsOf(packageStage, 'ort-web')).not.toContainEqual(compiler);
  });

  it('falls back to onnxruntime-web when a model does not compile, and records why', async () => {
    const notes: string[] = [];
    const { decision } = await gate(context('auto', 'size', notes), { stage: 'export', role: 'onnx-only' });
    const [m] = measuredOf(decision);
    expect(m).toMatchObject({
      runtime: 'ort-web',
      parent: { file: 'model.onnx' },
      candidate: { file: 'model.int8.onnx', bytes: int8OnnxBytes },
    });
    const why =
      /^worker measured on onnxruntime-web, not the compiled module package.runtime 'auto' ships: the parent did not compile: ConfigError \(CONFIG_INVALID\): compile: package .*onnx-only has no float model \(tfjs-layers\)/;
    expect(m!.fallback).toMatch(why);
    expect(decision.reasons.at(-1)).toMatch(why);
    expect(notes.some((n) => why.test(n.replace(/^quantize gate: /, '')))).toBe(true);
  });
});
