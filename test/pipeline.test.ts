// `edgeml pipeline` end to end on a tiny subset: every stage, the Node bench targets; then a rerun
// that reuses every stage, and the final report checked against the stage records. The objective
// minimises file size (a deterministic measure: no timing luck decides the gates here): the 95%
// magnitude pruning cannot pay (the ONNX file stays dense) and must be rejected with its reason,
// the run continuing from its parent; distillation into the same architecture would be rejected
// too, so it is forced with --force-pass; int8 pays (a smaller file within the budget). The gates
// measure the Worker target on the compiled modules (package.runtime auto). The package stage
// compiles the final model: the Worker and the page serve the float32 module (checked in workerd
// against onnxruntime-node), and the QAT int8 model is compiled from its own model.int8.onnx and
// matches onnxruntime-node on it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  loadPipelineConfig,
  openTimedModel,
  PIPELINE_CONFIG_SCHEMA,
  validatePipelineConfig,
} from '@edgeml/pipeline';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionTestPngs } from './support/fashion-fixture.js';
import { startWranglerDev } from './support/wrangler-dev.js';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

const TINY = {
  evalImages: 256,
  // Size only: the decisions below do not depend on timings. The budget is wide: one epoch on 1,024
  // images gives a teacher whose accuracy moves by points between backends.
  objective: { minimize: 'size', maxAccuracyDrop: 100 },
  teacher: { model: 'cnn-tiny', epochs: 1, limit: 1024, schedule: 'constant' },
  distill: { student: 'cnn-tiny', epochs: 1, limit: 1024 },
  // A pass that cannot pay on size: magnitude pruning zeroes weights but leaves the ONNX file dense.
  prune: { method: 'magnitude', sparsity: 0.95, finetuneEpochs: 1, limit: 512 },
  // QAT here (PTQ is the default, covered by the optimizer's tests): the stage hands its settings on.
  quantize: { method: 'qat', qatImages: 256, qatBatchSize: 32, latencyRuns: 5 },
  export: { parityImages: 16 },
  package: { targets: ['worker', 'web', 'mobile'], precision: 'float32' },
  bench: {
    targets: ['ort-node', 'tflite'],
    images: 64,
    coldStarts: 1,
    warmupIterations: 2,
    minIterations: 5,
    maxIterations: 20,
    timeMs: 50,
    batchSizes: [1],
  },
};

async function pipeline(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(join(root, 'node_modules/.bin/tsx'), ['packages/cli/src/bin.ts', 'pipeline', ...args], {
    cwd: root,
    maxBuffer: 16 << 20,
  });
}

describe('pipeline config', () => {
  it('rejects a typo and a wrong type naming the section and the key', () => {
    expect(() => validatePipelineConfig({ teacher: { epoch: 3 } })).toThrow(/^teacher: unknown key 'epoch'/);
    expect(() => validatePipelineConfig({ distill: { epochs: '3' } })).toThrow(ConfigError);
    expect(() => validatePipelineConfig({ distill: { epochs: '3' } })).toThrow(
      `distill: 'epochs' must be an integer in [1, 10000], got "3"`,
    );
    expect(() => validatePipelineConfig({ bench: { targets: ['ort-node', 'nope'] } })).toThrow(
      /^bench: 'targets' must be a list of distinct values from 'ort-node'/,
    );
    expect(() => validatePipelineConfig({ prune: { sparsity: 1 } })).toThrow(
      `prune: 'sparsity' must be in [0, 1), got 1`,
    );
    expect(() => validatePipelineConfig({ sed: 1 })).toThrow(/^pipeline config: unknown key 'sed'/);
  });

  it('refuses keys that name Object.prototype members', () => {
    for (const key of ['constructor', 'toString', '__proto__']) {
      const json = JSON.parse(`{"prune": {"${key}": 1}}`);
      expect(() => validatePipelineConfig(json)).toThrow(`prune: unknown key '${key}'`);
      expect(() => validatePipelineConfig(JSON.parse(`{"${key}": {}}`))).toThrow(/unknown key/);
    }
  });

  it('fills every default and ships the schema and example generated from the code', async () => {
    const config = validatePipelineConfig({});
    expect(config.teacher.model).toBe('cnn-small');
    const file = JSON.parse(await readFile(join(root, 'edgeml.config.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(PIPELINE_CONFIG_SCHEMA)));
    const example = await loadPipelineConfig('quick', join(root, 'edgeml.config.json'), undefined);
    expect(example.distill.student).toBe('lenet5');
  });

  it('declares the objective with the defaults a newcomer would pick, and checks it', () => {
    const { objective } = validatePipelineConfig({});
    expect(objective).toMatchObject({
      targets: ['worker'],
      weights: [],
      maxAccuracyDrop: 1,
      minimize: 'both',
      gate: true,
      forcePasses: [],
    });
    expect(() => validatePipelineConfig({ objective: { forcePasses: ['prune', 'fold'] } })).toThrow(
      /^objective: 'forcePasses' must be a list of distinct values from 'distill', 'prune'/,
    );
    expect(() => validatePipelineConfig({ objective: { targets: ['gpu'] } })).toThrow(
      /^objective: 'targets' must be a list of distinct values from 'worker'/,
    );
    expect(() =>
      validatePipelineConfig({ objective: { targets: ['worker', 'ort-node'], weights: [3] } }),
    ).toThrow("objective: 'weights' must be empty or hold one weight per target (2), got 1");
    expect(() => validatePipelineConfig({ objective: { maxAccuracyDrop: -1 } })).toThrow(
      `objective: 'maxAccuracyDrop' must be in [0, 100], got -1`,
    );
  });

  it('refuses --force-pass with a pass the gate does not know', async () => {
    const failed = await pipeline(
      '--force-pass',
      'distill,fold-bn',
      '--out',
      join(tmpdir(), 'never-written'),
    ).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain("--force-pass must name passes from 'distill', 'prune'");
  });
});

describe('edgeml pipeline end to end', () => {
  let dir: string;
  let runDir: string;
  let firstStderr: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-pipeline-'));
    runDir = join(dir, 'run');
    await writeFile(join(dir, 'config.json'), JSON.stringify(TINY));
    firstStderr = (
      await pipeline('--config', join(dir, 'config.json'), '--out', runDir, '--force-pass', 'distill')
    ).stderr;
    // Timeouts: a loaded 2-core machine (load average 10) took 5 min for this run and 2 min 46 s to
    // start a run that reuses every stage; quiet, about a third of that.
  }, 480_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const STAGES = [
    'train',
    'distill',
    'distill-gate',
    'prune',
    'prune-gate',
    'quantize',
    'quantize-gate',
    'export',
    'package',
    'bench',
    'report',
  ];
  const record = async (stage: string) =>
    JSON.parse(await readFile(join(runDir, stage, 'stage.json'), 'utf8')) as {
      key: string;
      packages: Record<string, string>;
      files: Record<string, string>;
      report: Record<string, unknown>;
    };

  it('runs every stage and writes outputs that verify', async () => {
    for (let i = 0; i < STAGES.length; i++) expect(firstStderr).toContain(`[stage ${i + 1}/11] ${STAGES[i]}`);
    expect(firstStderr).not.toMatch(/reused/);
    for (const stage of STAGES) {
      const r = await record(stage);
      for (const pkg of Object.values(r.packages)) {
        const { manifest } = await readModelPackageDir(join(runDir, stage, pkg), { verify: true });
        expect(manifest.files.length).toBeGreaterThan(0);
      }
      for (const file of Object.values(r.files))
        expect((await stat(join(runDir, stage, file))).size).toBeGreaterThan(0);
    }
    const final = await readModelPackageDir(join(runDir, 'export', 'final'), { verify: true });
    const paths = final.manifest.files.map((f) => f.path);
    for (const p of ['model.onnx', 'model.tflite', 'model.int8.onnx', 'model.int8.tflite', 'tfjs/model.json'])
      expect(paths).toContain(p);
    for (const target of ['worker', 'web', 'mobile'])
      expect((await stat(join(runDir, 'package', target))).isDirectory()).toBe(true);
    const bench = JSON.parse(await readFile(join(runDir, 'bench', 'report.json'), 'utf8')) as {
      cases: { status: string }[];
    };
    // 8 cases run (teacher, student, final float32 and final int8 on two targets); int8 of a model
    // without int8 files may be listed as a skipped case, never as an error.
    expect(bench.cases.filter((c) => c.status === 'ok')).toHaveLength(8);
    expect(bench.cases.every((c) => c.status === 'ok' || c.status === 'skipped')).toBe(true);
  });

  it('ships the compiled module in the Worker and the page, and the Worker answers as onnxruntime-node', async () => {
    const pkg = await record('package');
    const compiled = pkg.report.compiled as {
      precision: string;
      usable: boolean;
      reason?: string;
      parity?: { images: number; top1Agreement: number; maxAbsDiff: number };
    }[];
    expect(pkg.report).toMatchObject({ precision: 'float32', runtime: 'edgeml-wasm' });
    expect(pkg.files.compiled).toBe('compiled');
    const float = compiled.find((c) => c.precision === 'float32')!;
    expect(float.usable).toBe(true);
    expect(float.parity!.images).toBe(16);
    expect(float.parity!.top1Agreement).toBe(1);
    expect(float.parity!.maxAbsDiff).toBeLessThan(1e-5);
    // The QAT int8 model is compiled from its own model.int8.onnx (no calibration) and matches
    // onnxruntime-node on that file.
    const int8 = compiled.find((c) => c.precision === 'int8')!;
    expect(int8).toMatchObject({
      usable: true,
      parity: { images: 16, top1Agreement: 1, onnxFile: 'model.int8.onnx' },
    });
    expect(int8.reason).toBeUndefined();
    expect(int8.parity!.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    const finalOnnx = (await readModelPackageDir(join(runDir, 'export', 'final'))).manifest.files.find(
      (f) => f.path === 'model.int8.onnx',
    )!;
    const compileInt8 = JSON.parse(
      await readFile(join(runDir, 'package', 'compiled', 'compile.int8.json'), 'utf8'),
    );
    expect(compileInt8.quantization).toEqual({
      source: 'onnx',
      file: 'model.int8.onnx',
      sha256: finalOnnx.sha256,
    });
    expect((pkg.report.worker as { runtime: string }).runtime).toBe('edgeml-wasm');
    expect((pkg.report.web as { runtime: string }).runtime).toBe('edgeml-wasm');
    const report = JSON.parse(await readFile(join(runDir, 'report', 'report.json'), 'utf8'));
    expect(report.deployment).toMatchObject({ runtime: 'edgeml-wasm', precision: 'float32' });
    expect(await readFile(join(runDir, 'report', 'report.md'), 'utf8')).toMatch(
      /## Deployment[\s\S]*\| int8 \| yes \|/,
    );

    // The Worker imports the compiled module (no ORT binary, no ORT code); so does the page.
    const worker = join(runDir, 'package', 'worker');
    const workerFiles = (await readdir(join(worker, 'src'), { recursive: true })).map(String);
    expect(workerFiles.filter((f) => f.endsWith('.wasm'))).toEqual(['model.wasm']);
    expect(await readFile(join(worker, 'src/index.js'), 'utf8')).toMatch(
      /import modelModule from '\.\/model\.wasm'/,
    );
    expect(await readFile(join(worker, 'src/edgeml-worker.js'), 'utf8')).not.toMatch(/onnxruntime/i);
    const compiledWasm = await readFile(join(runDir, 'package', 'compiled', 'model.wasm'));
    expect((await readFile(join(worker, 'src/model.wasm'))).equals(compiledWasm)).toBe(true);
    const webFiles = (await readdir(join(runDir, 'package', 'web'), { recursive: true })).map(String);
    const webWasm = webFiles.filter((f) => f.endsWith('.wasm'));
    expect(webWasm).toHaveLength(1);
    expect(webWasm[0]).toMatch(/model\.wasm$/);
    expect((await readFile(join(runDir, 'package', 'web', webWasm[0]!))).equals(compiledWasm)).toBe(true);

    // Its answers in workerd equal onnxruntime-node's on the exported ONNX file.
    const ort = await createClassifier(join(runDir, 'export', 'final'), {
      runtime: 'ort-node',
      precision: 'float32',
    });
    const images = await fashionTestPngs(8);
    const server = await startWranglerDev(worker);
    try {
      for (const png of images.pngs) {
        const response = await fetch(`${server.base}/v1/classify?topK=10`, {
          method: 'POST',
          body: png as BodyInit,
          headers: { 'content-type': 'image/png' },
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { predictions: { label: string; probability: number }[] };
        const want = (await ort.classify(png, { topK: 10 })).predictions;
        expect(body.predictions[0]!.label).toBe(want[0]!.label);
        for (const p of want) {
          const got = body.predictions.find((q) => q.label === p.label)!;
          expect(Math.abs(got.probability - p.probability)).toBeLessThanOrEqual(1e-5);
        }
      }
    } finally {
      await server.stop();
      await ort.dispose();
    }
  }, 60_000);

  it('rejects the pass that cannot pay, says why, keeps it on disk and continues from its parent', async () => {
    const [distill, prune, quantize, exp] = await Promise.all(
      ['distill-gate', 'prune-gate', 'quantize', 'export'].map(record),
    );
    const quantizeGate = await record('quantize-gate');

    const gate = (r: typeof prune) =>
      r!.report.gate as { kept: boolean; forced: boolean; parent: string; reasons: string[] };
    expect(gate(prune)).toMatchObject({ kept: false, forced: false, parent: 'distill/student' });
    expect(gate(prune).reasons[0]).toMatch(/^not smaller by 5%: file \d+ -> \d+ bytes \(1\.00x\)$/);
    expect(firstStderr).toMatch(/prune gate: REJECTED: not smaller by 5%/);
    expect(firstStderr).toContain('prune gate: continuing from distill/student');
    // The rejected package stays for inspection, and the next stage ran on the parent.
    await readModelPackageDir(join(runDir, 'prune', 'pruned'), { verify: true });
    const sha = async (pkg: string) =>
      createHash('sha256')
        .update(await readFile(join(runDir, pkg, 'manifest.json'), 'utf8'))
        .digest('hex');
    expect(quantize!.report.parent).toBe('distill/student');
    expect((quantize as unknown as { inputs: { sha256: string }[] }).inputs[0]!.sha256).toBe(
      await sha('distill/student'),
    );
    // Forced distillation (same architecture: no smaller file) is kept and says why first.
    expect(gate(distill)).toMatchObject({ kept: true, forced: true });
    expect(gate(distill).reasons[0]).toBe('kept because it was forced (--force-pass distill)');
    // int8 pays on size and is the final model.
    expect(gate(quantizeGate)).toMatchObject({ kept: true, forced: false, parent: 'distill/student' });
    // The Worker target was measured as package.runtime 'auto' ships it: the compiled modules, size
    // their .wasm bytes (magnitude pruning leaves the module's weights dense too).
    const measured = (r: typeof prune) =>
      (
        r!.report.gate as {
          measured: {
            target: string;
            runtime: string;
            parent: { file: string; bytes: number };
            candidate: { file: string; bytes: number };
          }[];
        }
      ).measured;
    expect(measured(quantizeGate)).toMatchObject([
      {
        target: 'worker',
        runtime: 'edgeml-wasm',
        parent: { file: 'model.wasm' },
        candidate: { file: 'model.int8.wasm' },
      },
    ]);
    expect(measured(prune)).toMatchObject([
      {
        target: 'worker',
        runtime: 'edgeml-wasm',
        parent: { file: 'model.wasm' },
        candidate: { file: 'model.wasm' },
      },
    ]);
    const q = measured(quantizeGate)[0]!;
    expect((quantizeGate!.report.gate as { sizeRatio: number }).sizeRatio).toBeCloseTo(
      q.parent.bytes / q.candidate.bytes,
      12,
    );
    expect(exp!.report.final).toBe('quantize/int8');
    const report = JSON.parse(await readFile(join(runDir, 'report', 'report.json'), 'utf8')) as {
      gates: { pass: string; kept: boolean }[];
      final: string;
    };
    expect(report.gates.map((g) => [g.pass, g.kept])).toEqual([
      ['distill', true],
      ['prune', false],
      ['quantize', true],
    ]);
    expect(await readFile(join(runDir, 'report', 'report.md'), 'utf8')).toMatch(
      /\| prune \| distill\/student \| rejected \|[^\n]*\| worker: edgeml-wasm, model\.wasm \d+ B -> model\.wasm \d+ B \|/,
    );
  });

  it('opens the file each target loads and times one inference (exporting what a pass left as TF.js)', async () => {
    const int8 = await openTimedModel(
      join(runDir, 'quantize', 'int8'),
      'worker',
      'int8',
      join(dir, 'gate-a'),
    );
    const { manifest } = await readModelPackageDir(join(runDir, 'quantize', 'int8'));
    expect(int8.file).toBe('model.int8.onnx');
    expect(int8.bytes).toBe(manifest.files.find((f) => f.path === 'model.int8.onnx')!.bytes);
    expect(await int8.run()).toBeGreaterThan(0);
    await int8.dispose();
    const tflite = await openTimedModel(
      join(runDir, 'distill', 'student'),
      'tflite',
      'float32',
      join(dir, 'gate-b'),
    );
    expect(tflite.file).toBe('model.tflite');
    expect(await tflite.run()).toBeGreaterThan(0);
    await tflite.dispose();
    await expect(
      openTimedModel(join(runDir, 'distill', 'student'), 'ort-node', 'int8', join(dir, 'gate-c')),
    ).rejects.toThrow(/has no int8 onnx file for target 'ort-node'/);
  });

  it('reuses every stage on a second run with the same config', async () => {
    const keys = await Promise.all(STAGES.map(async (s) => (await record(s)).key));
    const { stderr } = await pipeline(
      '--config',
      join(dir, 'config.json'),
      '--out',
      runDir,
      '--force-pass',
      'distill',
    );
    for (const stage of STAGES) expect(stderr).toMatch(new RegExp(`\\] ${stage}: .*: reused`));
    expect(await Promise.all(STAGES.map(async (s) => (await record(s)).key))).toEqual(keys);
  }, 300_000);

  it("writes a report whose numbers agree with the stages' records", async () => {
    const report = JSON.parse(await readFile(join(runDir, 'report', 'report.json'), 'utf8')) as {
      models: {
        stage: string;
        params: number;
        macs: number;
        accuracy: number;
        onnxBytes: number;
        latencyMs: Record<string, number>;
      }[];
      pareto: { size: string[] };
      passes: { pass: string }[];
      curves: unknown[];
    };
    const [train, distill, prune, quantize, bench] = await Promise.all(
      ['train', 'distill', 'prune', 'quantize', 'bench'].map(record),
    );
    const row = (stage: string) => report.models.find((m) => m.stage === stage)!;
    expect(row('train').accuracy).toBe(train!.report.accuracy);
    expect(row('train').params).toBe(train!.report.params);
    expect(row('distill').accuracy).toBe(distill!.report.accuracy);
    expect(row('distill').macs).toBe(distill!.report.macs);
    expect(row('prune').accuracy).toBe(prune!.report.accuracy);
    expect(row('quantize').accuracy).toBe(quantize!.report.accuracy);
    expect(quantize!.report).toMatchObject({ method: 'qat', qat: { images: 256, batchSize: 32, steps: 8 } });
    const cases = bench!.report.cases as {
      model: string;
      precision: string;
      target: string;
      p50Ms: number;
    }[];
    const p50 = (model: string, precision: string) =>
      cases.find((c) => c.model === model && c.precision === precision && c.target === 'ort-node')!.p50Ms;
    expect(row('train').latencyMs['ort-node']).toBe(p50('teacher', 'float32'));
    expect(row('quantize').latencyMs['ort-node']).toBe(p50('int8', 'int8'));
    expect(row('quantize').onnxBytes).toBeLessThan(row('prune').onnxBytes);
    expect(report.pareto.size.length).toBeGreaterThan(0);
    expect(report.passes.map((p) => p.pass)).toEqual(['distill', 'prune', 'quantize']);
    expect(report.curves).toHaveLength(1);
    const html = await readFile(join(runDir, 'report', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('re-judges the passes without re-running them when only the objective changes', async () => {
    const before = await Promise.all(['distill', 'prune'].map(async (s) => (await record(s)).key));
    const { stderr } = await pipeline(
      '--config',
      join(dir, 'config.json'),
      '--out',
      runDir,
      '--force-pass',
      'distill,prune',
    );
    for (const stage of ['train', 'distill', 'prune'])
      expect(stderr).toMatch(new RegExp(`\\] ${stage}: .*: reused`));
    for (const stage of ['distill-gate', 'prune-gate', 'quantize', 'quantize-gate'])
      expect(stderr).not.toMatch(new RegExp(`\\] ${stage}: .*: reused`));
    expect(await Promise.all(['distill', 'prune'].map(async (s) => (await record(s)).key))).toEqual(before);
    expect((await record('prune-gate')).report.gate).toMatchObject({ kept: true, forced: true });
    // The int8 model is now made from the pruned model.
    expect((await record('quantize')).report.parent).toBe('prune/pruned');
  }, 480_000);
});
