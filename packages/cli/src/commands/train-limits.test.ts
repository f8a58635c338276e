// `edgeml train` on a tiny image folder (15 images of 8x8, one epoch of cnn-tiny): a --limit above
// the training split trains on all of it and says so; a diverging run stops at once, says why,
// and leaves no --out behind that it made (and an existing one as it was).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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

  const diverging = () => [...tiny, '--data-dir', data, '--optimizer', 'sgd', '--lr', '1e30'];

  it('a diverging run stops at the first non-finite loss (TRAINING_DIVERGED, exit 1) and removes the --out it made', async () => {
    // --out under a directory that does not exist yet: everything the run made is removed.
    const out = join(root, 'made-by-the-run', 'diverged');
    const { code, stdout, stderr } = await run(['train', ...diverging(), '--out', out, '--json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /edgeml train: training diverged: the loss became (NaN|-?Infinity) at epoch 1, step \d+ \(learning rate 1\.00e\+30\)\. A lower learning rate may help: 'optimizer\.lr' \(--lr\) is 1e\+30\n$/,
    );
    const { error } = JSON.parse(stdout) as { error: { code: string; details: Record<string, unknown> } };
    expect(error.code).toBe('TRAINING_DIVERGED');
    expect(error.details).toMatchObject({ epoch: 1, configuredLr: 1e30 });
    await expect(readdir(join(root, 'made-by-the-run'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a diverging run into an existing directory leaves it as it was', async () => {
    const out = join(root, 'existing');
    await mkdir(join(out, 'checkpoints', 'epoch-0003'), { recursive: true });
    await writeFile(join(out, 'checkpoints', 'epoch-0003', 'state.json'), '{"epoch": 3}');
    await writeFile(join(out, 'notes.txt'), 'kept');
    const before = await tree(out);
    const { code, stderr } = await run(['train', ...diverging(), '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toContain('training diverged');
    expect(await tree(out)).toEqual(before);
  });
});

describe('edgeml train: a run that diverges after some epochs', { timeout: 120_000 }, () => {
  it('finite training losses, a NaN validation loss: stopped at that epoch, its checkpoints removed', async () => {
    // SGD at lr 100 on the tiny folder: the training loss stays finite for a few epochs while the
    // weights grow until inference overflows. The run has written checkpoints by then.
    const out = join(root, 'val-diverged');
    const { code, stdout, stderr } = await run([
      'train',
      ...['--dataset', 'image-folder', '--model', 'cnn-tiny', '--epochs', '8', '--batch', '4'],
      ...['--backend', 'cpu'],
      '--data-dir',
      data,
      '--optimizer',
      'sgd',
      '--lr',
      '100',
      '--out',
      out,
      '--json',
    ]);
    expect(code, stderr).toBe(1);
    const { error } = JSON.parse(stdout) as { error: { code: string; details: Record<string, unknown> } };
    expect(error.code).toBe('TRAINING_DIVERGED');
    expect(error.details['split']).toBe('validation');
    const epoch = error.details['epoch'] as number;
    expect(epoch).toBeGreaterThan(1);
    expect(stderr).toContain(
      `training diverged: the validation loss became ${String(error.details['loss'])} after epoch ${epoch}: the weights no longer give finite outputs`,
    );
    expect(stderr).toContain("A lower learning rate may help: 'optimizer.lr' (--lr) is 100\n");
    // Epochs 1..epoch-1 wrote checkpoints into --out, which the run had made: all gone.
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

/** Every file under `dir` with its content, sorted by path. */
async function tree(dir: string): Promise<[string, string][]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.sort().map(async (f) => [f, await readFile(f, 'utf8')] as [string, string]));
}
