import { describe, expect, it } from 'vitest';
import { EdgemlError } from '../errors.js';
import {
  buildManifest,
  describeFile,
  type ManifestDraft,
  type ModelFileInput,
  serializeManifest,
  updateManifest,
} from './build.js';
import { createLineageStep } from './lineage.js';
import { createMemorySource } from './memory-source.js';
import { readModelPackage } from './read.js';
import { findModelFile } from './select.js';
import { sha256Hex } from './sha256.js';

const draft: ManifestDraft = {
  name: 'tiny',
  labels: ['cat', 'dog'],
  input: { shape: [8, 8, 3], layout: 'NHWC', dtype: 'float32' },
  preprocessing: {
    resize: { height: 8, width: 8, method: 'bilinear' },
    channels: 'rgb',
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
};

const files: ModelFileInput[] = [
  {
    path: 'model.onnx',
    bytes: new Uint8Array([1, 2, 3, 4, 5]),
    format: 'onnx',
    precision: 'float32',
    role: 'model',
  },
  {
    path: 'model.int8.onnx',
    bytes: new Uint8Array([9, 9]),
    format: 'onnx',
    precision: 'int8',
    role: 'model',
  },
  { path: 'labels.txt', bytes: 'cat\ndog\n', format: 'labels', role: 'labels' },
];

/** A package's files as a path → bytes record, manifest.json included. */
async function packageFiles(): Promise<Record<string, Uint8Array | string>> {
  const described = await Promise.all(files.map((f, i) => describeFile(f, i)));
  const manifest = buildManifest(
    draft,
    described.map((d) => d.entry),
  );
  return {
    'manifest.json': serializeManifest(manifest),
    ...Object.fromEntries(described.map((d) => [d.entry.path, d.bytes])),
  };
}

async function rejection(promise: Promise<unknown>): Promise<EdgemlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EdgemlError);
  return error as EdgemlError;
}

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vector and hashes only the view', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Hex('abc')).toBe(abc);
    const view = new Uint8Array([0, 0x61, 0x62, 0x63, 0]).subarray(1, 4);
    expect(await sha256Hex(view)).toBe(abc);
  });
});

describe('readModelPackage (memory source)', () => {
  it('reads, validates and verifies a package; readFile returns checked bytes', async () => {
    const stored = await packageFiles();
    const pkg = await readModelPackage(createMemorySource(stored, 'memory:tiny'), { verify: true });
    expect(pkg.manifest.name).toBe('tiny');
    expect(pkg.manifest.files.map((f) => [f.path, f.bytes])).toEqual([
      ['model.onnx', 5],
      ['model.int8.onnx', 2],
      ['labels.txt', 8],
    ]);
    expect(pkg.manifestSha256).toBe(await sha256Hex(stored['manifest.json']!));
    expect(new TextDecoder().decode(await pkg.readFile('labels.txt'))).toBe('cat\ndog\n');
  });

  it('names a missing file', async () => {
    const stored = await packageFiles();
    delete stored['model.int8.onnx'];
    const error = await rejection(readModelPackage(createMemorySource(stored, 'memory:tiny')));
    expect(error.code).toBe('MANIFEST_FILE_MISSING');
    expect(error.message).toBe(
      "model package memory:tiny is missing 'model.int8.onnx' (listed in manifest.json as onnx)",
    );
    expect(error.details).toMatchObject({ file: 'model.int8.onnx', location: 'memory:tiny' });
  });

  it('names a tampered file with the expected and actual hash', async () => {
    const stored = await packageFiles();
    const tampered = (stored['model.onnx'] as Uint8Array).slice();
    tampered[2] = 42;
    stored['model.onnx'] = tampered;
    const error = await rejection(readModelPackage(createMemorySource(stored, 'memory:tiny')));
    expect(error.code).toBe('HASH_MISMATCH');
    expect(error.details).toMatchObject({
      file: 'model.onnx',
      field: 'sha256',
      expected: await sha256Hex(new Uint8Array([1, 2, 3, 4, 5])),
      actual: await sha256Hex(tampered),
    });
    expect(error.message).toContain("'model.onnx' in model package memory:tiny is corrupt: sha256 expected ");
  });

  it('reports a truncated file by its size', async () => {
    const stored = await packageFiles();
    stored['model.onnx'] = new Uint8Array([1, 2, 3]);
    const error = await rejection(readModelPackage(createMemorySource(stored)));
    expect(error.message).toBe(
      "'model.onnx' in model package memory:package is corrupt: bytes expected 5, got 3",
    );
  });

  it('without verify, loads fast and still checks each file on readFile', async () => {
    const stored = await packageFiles();
    stored['model.int8.onnx'] = new Uint8Array([9, 8]);
    const pkg = await readModelPackage(createMemorySource(stored), { verify: false });
    expect((await pkg.readFile('model.onnx')).length).toBe(5);
    expect((await rejection(pkg.readFile('model.int8.onnx'))).code).toBe('HASH_MISMATCH');
    expect((await rejection(pkg.readFile('weights.bin'))).message).toContain("'weights.bin' is not listed");
  });

  it('names a missing manifest.json and an invalid one', async () => {
    const missing = await rejection(readModelPackage(createMemorySource({}, 'memory:empty')));
    expect(missing.message).toBe('model package memory:empty has no manifest.json');
    const bad = await rejection(
      readModelPackage(createMemorySource({ 'manifest.json': '{"schemaVersion":9}' })),
    );
    expect(bad.code).toBe('SCHEMA_VERSION');
  });
});

describe('findModelFile', () => {
  it('picks a format, preferring float32, and lists what exists when nothing fits', async () => {
    const pkg = await readModelPackage(createMemorySource(await packageFiles()));
    expect(findModelFile(pkg.manifest, 'onnx').path).toBe('model.onnx');
    expect(findModelFile(pkg.manifest, 'onnx', 'int8').path).toBe('model.int8.onnx');
    // A mixed-precision quantised file (layers kept float) is what 'int8' gets when nothing is pure int8.
    const mixed = {
      ...pkg.manifest,
      files: pkg.manifest.files.map((f) =>
        f.path === 'model.int8.onnx' ? { ...f, precision: 'mixed' as const } : f,
      ),
    };
    expect(findModelFile(mixed, 'onnx', 'int8').path).toBe('model.int8.onnx');
    expect(findModelFile(mixed, 'onnx').path).toBe('model.onnx');
    expect(() => findModelFile(mixed, 'onnx', 'float16')).toThrow(/has no onnx float16 model/);
    expect(() => findModelFile(pkg.manifest, 'tflite', 'int8')).toThrow(
      "model package 'tiny' has no tflite int8 model; it holds model.onnx (onnx, float32), model.int8.onnx (onnx, int8)",
    );
  });
});

describe('updateManifest and createLineageStep', () => {
  it('replaces entries by path, appends new ones and the step, and leaves the input alone', async () => {
    const pkg = await readModelPackage(createMemorySource(await packageFiles()));
    const tflite = await describeFile({
      path: 'model.tflite',
      bytes: new Uint8Array(3),
      format: 'tflite',
      precision: 'int8',
    });
    const onnx = await describeFile({
      path: 'model.onnx',
      bytes: new Uint8Array(6),
      format: 'onnx',
      precision: 'float32',
    });
    const step = createLineageStep({
      kind: 'command',
      name: 'export',
      config: { formats: ['tflite'] },
      inputs: [{ name: 'tiny', sha256: pkg.manifestSha256, kind: 'manifest' }],
      toolVersion: '0.1.0',
      createdAt: new Date('2025-02-01T00:00:00Z'),
    });
    expect(step).toMatchObject({
      createdAt: '2025-02-01T00:00:00.000Z',
      tool: { name: 'edgeml', version: '0.1.0' },
    });
    const next = updateManifest(pkg.manifest, {
      files: [tflite.entry, onnx.entry],
      metrics: { tflite_test_accuracy: { value: 0.9, split: 'test', file: 'model.tflite' } },
      lineage: [step],
    });
    expect(next.files.map((f) => `${f.path}:${f.bytes}`)).toEqual([
      'model.onnx:6',
      'model.int8.onnx:2',
      'labels.txt:8',
      'model.tflite:3',
    ]);
    expect(next.lineage).toHaveLength(1);
    expect(pkg.manifest.files).toHaveLength(3);
    expect(pkg.manifest.lineage).toHaveLength(0);
  });
});
