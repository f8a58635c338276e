// `edgeml package` checks the model against its manifest for every target before writing: a model
// whose outputs do not match the manifest's labels, or whose input is not the manifest's, is
// refused for the Worker and the web page (it would deploy, answer /v1/health and fail every
// classification) as for mobile (whose metadata.json would describe the wrong tensor).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModelPackage } from '@edgeml/optimizer';
import { buildModel, type DatasetInfo, selectBackend, writeTrainedPackage } from '@edgeml/trainer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(argv), stderr };
  } finally {
    err.mockRestore();
  }
}

/** Facts of a made-up 8x8 grey data set with `classes` classes and images of `size` pixels. */
function info(classes: number, size: number): DatasetInfo {
  const none = Array.from({ length: classes }, () => 0);
  return {
    name: 'made-up',
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    inputShape: [size, size, 1],
    normalization: { mean: [0.5], std: [0.25] },
    splitSizes: { train: 0, validation: 0, test: 0 },
    classCounts: { train: none, validation: none, test: none },
    dropped: { count: 0, reasons: [] },
    splitPolicy: 'none',
  };
}

/** A cnn-tiny for 8x8 grey images and 3 classes, packaged with a manifest from `facts`, exported to ONNX and TFLite. */
async function mismatchedPackage(dir: string, facts: DatasetInfo): Promise<string> {
  const model = buildModel('cnn-tiny', { inputShape: [8, 8, 1], numClasses: 3, seed: 1 });
  await writeTrainedPackage(join(dir, 'trained'), {
    name: 'mismatch',
    model,
    dataset: facts,
    metrics: {},
    lineage: [],
    summary: {},
  });
  model.dispose();
  await exportModelPackage(join(dir, 'trained'), join(dir, 'pkg'), {
    formats: ['onnx', 'tflite'],
    toolVersion: 'test',
  });
  return join(dir, 'pkg');
}

let root: string;
let wrongLabels: string;
let wrongInput: string;
let matching: string;
beforeAll(async () => {
  await selectBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'edgeml-package-checks-'));
  wrongLabels = await mismatchedPackage(join(root, 'labels'), info(4, 8));
  wrongInput = await mismatchedPackage(join(root, 'input'), info(3, 12));
  matching = await mismatchedPackage(join(root, 'matching'), info(3, 8));
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('edgeml package refuses a model that does not match its manifest', { timeout: 60_000 }, () => {
  it.each(['web', 'mobile'])('and packages one that matches: %s', async (target) => {
    const out = join(root, `ok-${target}`);
    const argv = ['package', '--model', matching, '--target', target, '--out', out];
    const { code, stderr } = await run(target === 'web' ? [...argv, '--wasm-only'] : argv);
    expect(code, stderr).toBe(0);
    expect(await readdir(out)).toContain(target === 'web' ? 'index.html' : 'metadata.json');
  });

  it.each(['worker', 'web', 'mobile'])('labels: %s', async (target) => {
    const out = join(root, `labels-${target}`);
    const { code, stderr } = await run(['package', '--model', wrongLabels, '--target', target, '--out', out]);
    expect(code).toBe(1);
    // Worker and web: the packager compiles the model (no --runtime) and checks the module it built.
    const file = target === 'mobile' ? 'model.tflite' : 'model.wasm';
    expect(stderr).toMatch(
      new RegExp(
        `model file '${file}' answers 3 scores( \\(output \\[1, 3\\]\\))?, but the manifest lists 4 labels`,
      ),
    );
    expect(await readdir(root)).not.toContain(`labels-${target}`);
  });

  it.each(['worker', 'web', 'mobile'])('input shape: %s', async (target) => {
    const out = join(root, `input-${target}`);
    // onnxruntime-web: the ONNX file's own input is checked.
    const runtime = target === 'mobile' ? [] : ['--runtime', 'ort-web'];
    const { code, stderr } = await run([
      'package',
      '--model',
      wrongInput,
      '--target',
      target,
      ...runtime,
      '--out',
      out,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      target === 'mobile'
        ? /model file 'model\.tflite' takes input \[1, 8, 8, 1\], but the manifest's input is 12 x 12 x 1/
        : /model file 'model\.onnx' does not take the manifest's input \[1, 12, 12, 1\] \(NHWC\)/,
    );
    expect(await readdir(root)).not.toContain(`input-${target}`);
  });
});
