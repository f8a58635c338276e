import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgemlError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointState } from './checkpoint.js';
import type { EpochRecord } from './record.js';
import { RESUME_CONFIG, RESUME_MODEL } from './testing/resume-fixture.js';
import { flatWeights, toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';

let root = '';
let reference: Float32Array[] = [];
let referenceRecord: readonly EpochRecord[] = [];

const withoutTiming = (epochs: readonly EpochRecord[]) =>
  epochs.map(({ seconds, samplesPerSecond, ...rest }) => rest);

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'edgeml-ckpt-'));
  const model = toyModel(RESUME_MODEL);
  const { record } = await train(model, toyDataset(), RESUME_CONFIG, { checkpointDir: join(root, 'full') });
  reference = flatWeights(model);
  referenceRecord = record.epochs;
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Trains with RESUME_CONFIG into `dir` and aborts once `epochs` epochs are checkpointed. */
async function interrupted(dir: string, epochs: number): Promise<void> {
  const controller = new AbortController();
  const run = train(toyModel(RESUME_MODEL), toyDataset(), RESUME_CONFIG, {
    checkpointDir: dir,
    signal: controller.signal,
    onProgress: (e) => {
      if (e.phase === 'epoch' && e.current === epochs) controller.abort(new Error('interrupted'));
    },
  });
  await expect(run).rejects.toThrow('interrupted');
}

describe('checkpoints', { timeout: 60_000 }, () => {
  it('writes complete epoch directories and keeps the newest two', async () => {
    const dir = join(root, 'full');
    expect((await readdir(dir)).sort()).toEqual(['epoch-0002', 'epoch-0003']);
    const files = (await readdir(join(dir, 'epoch-0003'))).sort();
    expect(files).toEqual(['best-weights.bin', 'optimizer.bin', 'state.json', 'weights.bin', 'weights.json']);
    const state = JSON.parse(
      await readFile(join(dir, 'epoch-0003', 'state.json'), 'utf8'),
    ) as CheckpointState;
    expect(state.epoch).toBe(3);
    expect(state.optimizer.step).toBe(18);
    // conv kernel, 4 BN tensors, dense kernel and bias; AdamW m and v for the 4 trainable ones
    expect(state.weights.length).toBe(7);
    expect(state.optimizer.slots.length).toBe(10);
    expect(state.record.length).toBe(3);
    expect(state.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resumes to the same weights as an uninterrupted run', async () => {
    const dir = join(root, 'resume');
    await interrupted(dir, 1);
    expect(await readdir(dir)).toEqual(['epoch-0001']);
    // A fresh model object, as after a restart; its own initial weights are overwritten.
    const model = toyModel(RESUME_MODEL);
    const { record } = await train(model, toyDataset(), RESUME_CONFIG, { checkpointDir: dir, resume: true });
    expect(record.resumedFromEpoch).toBe(1);
    expect(withoutTiming(record.epochs)).toEqual(withoutTiming(referenceRecord));
    expect(flatWeights(model)).toEqual(reference);
  });

  it('refuses a checkpoint written with another config, saying what changed', async () => {
    const dir = join(root, 'resume');
    const run = train(
      toyModel(RESUME_MODEL),
      toyDataset(),
      { ...RESUME_CONFIG, epochs: 4, seed: 1 },
      {
        checkpointDir: dir,
        resume: true,
      },
    );
    await expect(run).rejects.toBeInstanceOf(EdgemlError);
    await expect(run).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    await expect(run).rejects.toThrow(/different training config .*changed: epochs, seed/);
  });

  it('detects a corrupted weights file', async () => {
    const dir = join(root, 'corrupt');
    await interrupted(dir, 1);
    const file = join(dir, 'epoch-0001', 'weights.bin');
    const bytes = await readFile(file);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    const run = train(toyModel(RESUME_MODEL), toyDataset(), RESUME_CONFIG, {
      checkpointDir: dir,
      resume: true,
    });
    await expect(run).rejects.toThrow(/weights\.bin does not match its sha256/);
  });

  it('resumes after the training process is killed mid-epoch', { timeout: 60_000 }, async () => {
    const dir = join(root, 'killed');
    const script = fileURLToPath(new URL('./testing/resume-fixture.ts', import.meta.url));
    const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
    // node itself with tsx's loader (not the tsx CLI, which would put a relay process between us
    // and the training process and leave the latter running when killed).
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('READY')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(await readdir(dir)).toEqual(['epoch-0001']);
    const model = toyModel(RESUME_MODEL);
    const { record } = await train(model, toyDataset(), RESUME_CONFIG, { checkpointDir: dir, resume: true });
    expect(record.resumedFromEpoch).toBe(1);
    expect(flatWeights(model)).toEqual(reference);
  });

  it('starts over, clearing old checkpoints, without resume', async () => {
    const dir = join(root, 'restart');
    await interrupted(dir, 1);
    const { record } = await train(
      toyModel(RESUME_MODEL),
      toyDataset(),
      { ...RESUME_CONFIG, epochs: 1 },
      {
        checkpointDir: dir,
      },
    );
    expect(record.resumedFromEpoch).toBeNull();
    expect(await readdir(dir)).toEqual(['epoch-0001']);
  });
});
