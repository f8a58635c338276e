// `edgeml train` on a tiny image folder (15 images of 8x8, one epoch of cnn-tiny): a --limit above
// the training split trains on all of it and says so; a diverging run stops at once and says why.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '@edgeml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const run = runCli;

let root: string;
let data: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeml-train-limits-'));
  data = join(root, 'images');
  // 3 classes x 5 images: 1 test image per class (round(0.2 * 5)), 12 in the pool.
  for (const [label, name] of ['dark', 'mid', 'light'].entries()) {
    await mkdir(join(data, name), { recursive: true });
    for (let i = 0; i < 5; i++) {
      const pixels = new Uint8Array(8 * 8 * 3).fill(30 + 90 * label + 3 * i);
      await writeFile(
        join(data, name, `${i}.png`),
        encodePng({ width: 8, height: 8, channels: 3, data: pixels }),
      );
    }
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const tiny = [
  '--dataset',
  'image-folder',
  '--model',
  'cnn-tiny',
  '--epochs',
  '1',
  '--batch',
  '4',
  '--backend',
  'cpu',
];

describe('edgeml train on a tiny folder', { timeout: 120_000 }, () => {
  it('--limit above the training split: trains on all of it, with a note, and records what it used', async () => {
    const { code, stdout, stderr } = await run([
      'train',
      ...tiny,
      '--data-dir',
      data,
      '--limit',
      '200',
      '--out',
      join(root, 'limited'),
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as { train_images: number };
    expect(stderr).toContain(
      `note: --limit 200 is at least the ${summary.train_images} training images: training on all of them`,
    );
    expect(stderr).toContain(
      `training on ${summary.train_images} of ${summary.train_images} image-folder training images`,
    );
    expect(summary.train_images).toBeLessThan(15);
  });

  it('a diverging run stops at the first non-finite loss and writes no package', async () => {
    const out = join(root, 'diverged');
    const { code, stderr } = await run([
      'train',
      ...tiny,
      '--data-dir',
      data,
      '--optimizer',
      'sgd',
      '--lr',
      '1e30',
      '--out',
      out,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /edgeml train: training diverged: the loss became (NaN|-?Infinity) at epoch 1, step \d+ \(learning rate 1\.00e\+30\)\. A lower learning rate may help: 'optimizer\.lr' \(--lr\) is 1e\+30\n$/,
    );
    expect(await readdir(out).catch(() => [])).not.toContain('manifest.json');
  });
});
