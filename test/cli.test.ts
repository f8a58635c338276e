// The CLI as a user runs it: `pnpm edgeml ...` is `tsx packages/cli/src/bin.ts ...`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { decodeImage } from '@edgeml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

async function edgeml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      join(root, 'node_modules/.bin/tsx'),
      ['packages/cli/src/bin.ts', ...args],
      {
        cwd: root,
        maxBuffer: 16 << 20,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('edgeml CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists its commands with --help and exits 0', async () => {
    const { code, stdout } = await edgeml('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/data info/);
    expect(stdout).toMatch(/data preview/);
  });

  it('exits 2 with a one-line reason on bad usage', async () => {
    const unknown = await edgeml('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const badOption = await edgeml('data', 'info', '--no-such-option');
    expect(badOption.code).toBe(2);
    const badDataset = await edgeml('data', 'info', '--dataset', 'imagenet');
    expect(badDataset.code).toBe(2);
    expect(badDataset.stderr).toMatch(/'fashion-mnist'/);
  });

  it('refuses quantize flags that the chosen method would ignore, before any work', async () => {
    const qatFlagsOnPtq = await edgeml('quantize', '--model', 'runs/none', '--qat-epochs', '2');
    expect(qatFlagsOnPtq.code).toBe(2);
    expect(qatFlagsOnPtq.stderr).toContain("quantize: 'qat' settings need method 'qat', got method 'ptq'");
    const calibOnQat = await edgeml(
      'quantize',
      '--model',
      'runs/none',
      '--method',
      'qat',
      '--calib',
      '64',
      '--calibration',
      'entropy',
    );
    expect(calibOnQat.code).toBe(2);
    expect(calibOnQat.stderr).toContain(
      "quantize: 'calibration', 'calibrationImages': calibration settings apply to method 'ptq' only, got method 'qat'",
    );
    const teacher = await edgeml('quantize', '--model', 'runs/none', '--method', 'qat', '--qat-teacher', '2');
    expect(teacher.code).toBe(2);
    expect(teacher.stderr).toContain("quantize: 'qatTeacherWeight' must be in [0, 1], got 2");
  });

  it('exits 1 when the data is missing', async () => {
    const { code, stderr } = await edgeml(
      'data',
      'info',
      '--dataset',
      'cifar10',
      '--data-dir',
      join(dir, 'nope'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/nope/);
  });

  it('reports Fashion-MNIST: a training pool of 60,000 and a test split of 10,000', async () => {
    const { code, stdout } = await edgeml('data', 'info', '--dataset', 'fashion-mnist', '--json');
    expect(code).toBe(0);
    const info = JSON.parse(stdout);
    expect(info.trainingPool).toBe(60_000);
    expect(info.splitSizes.test).toBe(10_000);
    expect(info.splitSizes.train + info.splitSizes.validation).toBe(60_000);
    expect(info.classNames[0]).toBe('T-shirt/top');
    expect(info.classCounts.test).toEqual(Array(10).fill(1000));
    expect(info.dropped.count).toBe(2);
    expect(info.inputShape).toEqual([28, 28, 1]);
  });

  it('writes a preview grid PNG a person can look at', async () => {
    const file = join(dir, 'grid.png');
    const { code } = await edgeml('data', 'preview', '--dataset', 'mnist', '--count', '12', '--out', file);
    expect(code).toBe(0);
    const image = decodeImage(new Uint8Array(await readFile(file)));
    expect(image.width).toBeGreaterThan(28 * 3);
    expect(image.height).toBeGreaterThan(28 * 3);
  });

  it('with --json, a failure is one JSON error object on stdout as well as a line on stderr', async () => {
    const repeated = await edgeml('train', '--epochs', '1', '--epochs', '2', '--json');
    expect(repeated.code).toBe(2);
    expect(JSON.parse(repeated.stdout)).toEqual({
      error: {
        code: 'CONFIG_INVALID',
        message: "--epochs is given 2 times ('1', '2'); give it once; see 'edgeml train --help'",
        details: {},
      },
    });
    expect(repeated.stderr.trim().split('\n')).toHaveLength(1);
    await writeFile(join(dir, 'a-file'), 'x');
    const underFile = join(dir, 'a-file', 'x.png');
    const atFile = await edgeml('data', 'preview', '--out', underFile, '--json');
    expect(atFile.code).toBe(2);
    expect(JSON.parse(atFile.stdout).error.message).toBe(
      `--out ${underFile}: ${join(dir, 'a-file')} is a file, not a directory`,
    );
  });
});

describe('edgeml train, eval and export on real Fashion-MNIST images', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-train-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a small model, evaluates it and exports it with parity', async () => {
    const model = join(dir, 'tiny');
    const trained = await edgeml(
      'train',
      '--model',
      'cnn-tiny',
      '--epochs',
      '2',
      '--limit',
      '2048',
      '--batch',
      '64',
      '--lr',
      '0.01',
      '--eval-limit',
      '1000',
      '--backend',
      'wasm',
      '--out',
      model,
      '--json',
    );
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout);
    expect(summary.backend).toBe('wasm');
    expect(summary.epochs).toBe(2);
    expect(summary.params).toBe(6386);
    // Two epochs on 2,048 images: far from converged, far above chance (10%).
    expect(summary.test_accuracy).toBeGreaterThan(0.5);
    expect(summary.record).toHaveLength(2);

    const evaluated = await edgeml(
      'eval',
      '--model',
      model,
      '--limit',
      '1000',
      '--backend',
      'wasm',
      '--json',
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = JSON.parse(evaluated.stdout);
    expect(result.count).toBe(1000);
    expect(result.accuracy).toBeCloseTo(summary.test_accuracy, 6);
    expect(result.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(1000);

    const exported = await edgeml(
      'export',
      '--model',
      model,
      '--parity-images',
      '128',
      '--out',
      join(dir, 'exp'),
      '--json',
    );
    expect(exported.code, exported.stderr).toBe(0);
    const files = JSON.parse(exported.stdout).files as {
      path: string;
      parity: { maxAbsDiff: number; top1Agreement: number }[];
    }[];
    expect(files.map((f) => f.path)).toEqual(['model.onnx', 'model.tflite', 'tfjs/model.json']);
    for (const p of files.flatMap((f) => f.parity)) {
      expect(p.maxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect(p.top1Agreement).toBe(1);
    }
  });

  it('refuses bad training options with exit code 2', async () => {
    const negative = await edgeml('train', '--epochs', '-3', '--out', join(dir, 'bad'));
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/--epochs/);
    const unknown = await edgeml('train', '--model', 'resnet1000', '--out', join(dir, 'bad'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/cnn-small/);
    const tooBig = await edgeml(
      'train',
      '--dataset',
      'mnist',
      '--batch',
      '100000',
      '--backend',
      'cpu',
      '--out',
      join(dir, 'bad'),
    );
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/batch/i);
  });
});
