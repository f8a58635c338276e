import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgemlError } from '../errors.js';
import type { ManifestDraft, ModelFileInput } from '../manifest/build.js';
import { createLineageStep } from '../manifest/lineage.js';
import { sha256Hex } from '../manifest/sha256.js';
import {
  addFilesToPackage,
  readModelPackageDir,
  updateModelPackage,
  writeModelPackage,
} from './package-io.js';

const draft: ManifestDraft = {
  name: 'mnist-cnn-small',
  labels: ['0', '1', '2'],
  input: { shape: [28, 28, 1], layout: 'NHWC', dtype: 'float32' },
  preprocessing: {
    resize: { height: 28, width: 28, method: 'bilinear' },
    channels: 'grayscale',
    scale: 1 / 255,
    mean: [0],
    std: [1],
  },
  metrics: { test_accuracy: { value: 0.98, split: 'test', samples: 1000 } },
  training: { dataset: 'mnist', backend: 'cpu', epochs: 1 },
};

function modelFiles(): ModelFileInput[] {
  return [
    {
      path: 'tfjs/model.json',
      bytes: '{"format":"layers-model"}',
      format: 'tfjs-layers',
      precision: 'float32',
      role: 'model',
    },
    {
      path: 'tfjs/group1-shard1of1.bin',
      bytes: new Uint8Array(64).fill(7),
      format: 'tfjs-weights',
      precision: 'float32',
      role: 'weights',
    },
    { path: 'labels.txt', bytes: '0\n1\n2\n', format: 'labels', role: 'labels' },
  ];
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeml-package-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<EdgemlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EdgemlError);
  return error as EdgemlError;
}

/** A file input whose bytes cannot be produced (a failing encoder, a closed stream). */
function failingFile(): ModelFileInput {
  return {
    path: 'model.onnx',
    format: 'onnx',
    precision: 'float32',
    get bytes(): Uint8Array {
      throw new Error('encoder crashed');
    },
  };
}

describe('writeModelPackage / readModelPackageDir', () => {
  it('round-trips a new package, creating parent directories', async () => {
    const dir = join(root, 'runs', 'mnist');
    const written = await writeModelPackage(dir, { manifest: draft, files: modelFiles() });
    expect(written.files.map((f) => f.path)).toEqual([
      'tfjs/model.json',
      'tfjs/group1-shard1of1.bin',
      'labels.txt',
    ]);
    expect(written.files[1]).toMatchObject({
      bytes: 64,
      sha256: await sha256Hex(new Uint8Array(64).fill(7)),
    });

    const pkg = await readModelPackageDir(dir, { verify: true });
    expect(pkg.manifest).toEqual(written);
    expect(pkg.manifestSha256).toBe(await sha256Hex(await readFile(join(dir, 'manifest.json'))));
    expect(new TextDecoder().decode(await pkg.readFile('labels.txt'))).toBe('0\n1\n2\n');
    expect((await readdir(join(root, 'runs'))).sort()).toEqual(['mnist']);
  });

  it("gives a new package directory the mode of any other new directory (not mkdtemp's 0700)", async () => {
    const dir = join(root, 'exported');
    await writeModelPackage(dir, { manifest: draft, files: modelFiles() });
    await mkdir(join(root, 'plain'));
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(dir)).toBe(await mode(join(root, 'plain')));
    expect(await mode(join(dir, 'tfjs'))).toBe(await mode(join(root, 'plain')));
  });

  it('overwrites an existing package in place', async () => {
    const dir = join(root, 'pkg');
    await writeModelPackage(dir, { manifest: draft, files: modelFiles() });
    const files = modelFiles();
    files[2] = { ...files[2]!, bytes: 'zero\none\ntwo\n' };
    await writeModelPackage(dir, { manifest: { ...draft, labels: ['zero', 'one', 'two'] }, files });
    const pkg = await readModelPackageDir(dir);
    expect(pkg.manifest.labels).toEqual(['zero', 'one', 'two']);
  });

  it('names a missing directory and a missing manifest.json', async () => {
    const missing = join(root, 'nope');
    const error = await rejection(readModelPackageDir(missing));
    expect(error.code).toBe('MANIFEST_FILE_MISSING');
    expect(error.message).toBe(`model package directory not found: ${missing}`);

    await mkdir(join(root, 'empty'));
    const noManifest = await rejection(readModelPackageDir(join(root, 'empty')));
    expect(noManifest.message).toBe(`model package ${join(root, 'empty')} has no manifest.json`);
    expect((await rejection(addFilesToPackage(missing, modelFiles()))).code).toBe('MANIFEST_FILE_MISSING');
  });

  it('detects a deleted file and a tampered byte on disk', async () => {
    const dir = join(root, 'pkg');
    await writeModelPackage(dir, { manifest: draft, files: modelFiles() });
    const shard = join(dir, 'tfjs', 'group1-shard1of1.bin');
    const bytes = await readFile(shard);
    bytes[10] = 8;
    await writeFile(shard, bytes);
    const tampered = await rejection(readModelPackageDir(dir));
    expect(tampered.code).toBe('HASH_MISMATCH');
    expect(tampered.details).toMatchObject({ file: 'tfjs/group1-shard1of1.bin', field: 'sha256' });

    await rm(join(dir, 'labels.txt'));
    await writeFile(shard, new Uint8Array(64).fill(7));
    const missing = await rejection(readModelPackageDir(dir));
    expect(missing.code).toBe('MANIFEST_FILE_MISSING');
    expect(missing.details).toMatchObject({ file: 'labels.txt' });
    await expect(readModelPackageDir(dir, { verify: false })).resolves.toBeDefined();
  });

  it('rejects an invalid draft before touching the disk', async () => {
    const dir = join(root, 'pkg');
    const error = await rejection(
      writeModelPackage(dir, { manifest: { ...draft, labels: [] }, files: modelFiles() }),
    );
    expect(error.message).toContain('manifest.labels must be an array of at least 1');
    expect(await readdir(root)).toEqual([]);
  });
});

describe('atomicity', () => {
  it('leaves no directory behind when a file cannot be produced', async () => {
    const dir = join(root, 'pkg');
    await expect(
      writeModelPackage(dir, { manifest: draft, files: [...modelFiles(), failingFile()] }),
    ).rejects.toThrow('encoder crashed');
    expect(await readdir(root)).toEqual([]);
  });

  it('leaves no directory behind when the disk write fails half-way', async () => {
    const dir = join(root, 'pkg');
    // The first files are written, then the file system refuses a 300-character name.
    const tooLong: ModelFileInput = { path: `${'x'.repeat(300)}.bin`, bytes: 'x', format: 'other' };
    const error = await writeModelPackage(dir, { manifest: draft, files: [...modelFiles(), tooLong] }).catch(
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error).toMatchObject({ code: 'ENAMETOOLONG' });
    expect(await readdir(root)).toEqual([]);
  });

  it('keeps a previous package intact when a rewrite fails', async () => {
    const dir = join(root, 'pkg');
    await writeModelPackage(dir, { manifest: draft, files: modelFiles() });
    const before = await readFile(join(dir, 'manifest.json'), 'utf8');
    const changed = modelFiles().map((f) => ({ ...f, bytes: 'changed' }));

    await expect(
      writeModelPackage(dir, { manifest: draft, files: [...changed, failingFile()] }),
    ).rejects.toThrow('encoder crashed');
    const tooLong: ModelFileInput = { path: `${'y'.repeat(300)}.bin`, bytes: 'y', format: 'other' };
    await expect(
      writeModelPackage(dir, { manifest: draft, files: [...changed, tooLong] }),
    ).rejects.toMatchObject({
      code: 'ENAMETOOLONG',
    });
    await expect(addFilesToPackage(dir, [changed[0]!, failingFile()])).rejects.toThrow('encoder crashed');

    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    const pkg = await readModelPackageDir(dir, { verify: true });
    expect(pkg.manifest.files).toHaveLength(3);
    expect((await readdir(dir)).sort()).toEqual(['labels.txt', 'manifest.json', 'tfjs']);
    expect((await readdir(join(dir, 'tfjs'))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });
});

describe('addFilesToPackage / updateModelPackage', () => {
  it('adds a format with its lineage step and keeps the package verifiable', async () => {
    const dir = join(root, 'pkg');
    await writeModelPackage(dir, { manifest: draft, files: modelFiles() });
    const before = await readModelPackageDir(dir);
    const step = createLineageStep({
      kind: 'command',
      name: 'export',
      config: { format: 'onnx', opset: 13 },
      inputs: [{ name: 'mnist-cnn-small', sha256: before.manifestSha256, kind: 'manifest' }],
      toolVersion: '0.1.0',
    });
    const onnx: ModelFileInput = {
      path: 'model.onnx',
      bytes: new Uint8Array([8, 7, 6]),
      format: 'onnx',
      precision: 'float32',
      role: 'model',
    };
    const manifest = await addFilesToPackage(dir, [onnx], step);
    expect(manifest.files.map((f) => f.path)).toContain('model.onnx');
    expect(manifest.lineage).toHaveLength(1);
    expect(manifest.lineage[0]).toMatchObject({ name: 'export', outputs: ['model.onnx'] });

    const updated = await updateModelPackage(dir, {
      metrics: { onnx_test_accuracy: { value: 0.97, split: 'test', file: 'model.onnx' } },
    });
    expect(Object.keys(updated.metrics)).toEqual(['test_accuracy', 'onnx_test_accuracy']);
    const after = await readModelPackageDir(dir, { verify: true });
    expect(after.manifest).toEqual(updated);
    expect(after.manifestSha256).not.toBe(before.manifestSha256);
  });
});
