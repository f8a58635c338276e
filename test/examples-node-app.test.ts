// examples/node-app as a user runs it: the folder copied outside the workspace, the packed
// @edgeml tarballs installed with npm (with onnxruntime-node 1.30.0 from the registry), then its
// scripts: `npm run images` (78 generated PNGs), `npm run train` (npx edgeml train on the image
// folder), `npm run pipeline` (npx edgeml pipeline, tiny budgets) and `classify.mjs`, the library
// API (createClassifier from @edgeml/runtime-edge/node on onnxruntime-node). Checked numerically:
// each image's top-3 probabilities equal onnxruntime-node's (run here, on a tensor computed here from
// the manifest's normalisation) within 1e-5, and the API's top-1 over images/test gives exactly the
// confusion matrix of `edgeml eval` on the same images.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeImage, type ModelManifest } from '@edgeml/core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmEnv, npmInstallPacked, packAll, REPO_ROOT } from './support/packed-packages.js';

const run = promisify(execFile);
const FINAL = 'runs/pipeline/export/final';
const CLASSES = ['diagonal', 'horizontal', 'vertical'];

interface ClassifyOutput {
  readonly runtime: string;
  readonly file: string;
  readonly results: readonly {
    readonly file: string;
    readonly predictions: readonly { label: string; index: number; probability: number }[];
  }[];
}

let app: string;
const logs: Record<string, string> = {};

/** Runs a command in the app; its stdout (with stderr too unless `stdoutOnly`). */
async function inApp(command: string, args: readonly string[], stdoutOnly = false): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: app,
      env: npmEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdoutOnly ? stdout : stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${app}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

beforeAll(async () => {
  const tarballs = await packAll();
  app = await mkdtemp(join(tmpdir(), 'edgeml-node-app-'));
  const source = join(REPO_ROOT, 'examples/node-app');
  for (const entry of await readdir(source)) {
    if (!['node_modules', 'runs', 'images', 'package-lock.json'].includes(entry)) {
      await cp(join(source, entry), join(app, entry), { recursive: true });
    }
  }
  logs['install'] = await npmInstallPacked(app, tarballs, { names: ['@edgeml/cli', '@edgeml/runtime-edge'] });
  for (const script of ['images', 'train', 'pipeline']) logs[script] = await inApp('npm', ['run', script]);
}, 900_000);

afterAll(async () => {
  if (app) await rm(app, { recursive: true, force: true });
});

/** onnxruntime-node on the package's float32 ONNX file, fed a tensor computed here. */
async function referenceProbabilities(dir: string, files: readonly string[]): Promise<Float32Array[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  const { scale, mean, std } = manifest.preprocessing;
  const [height, width, channels] = manifest.input.shape as [number, number, number];
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
  const out: Float32Array[] = [];
  for (const file of files) {
    const image = decodeImage(await readFile(join(app, file)));
    // The generated images are gray and already the model's size: no resize, no channel change.
    expect([image.width, image.height, image.channels]).toEqual([width, height, channels]);
    const x = new Float32Array(height * width);
    for (let i = 0; i < x.length; i++) x[i] = (image.data[i]! * scale - mean[0]!) / std[0]!;
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, height, width, channels]) };
    const result = await session.run(feeds);
    out.push(result[session.outputNames[0]!]!.data as Float32Array);
  }
  await session.release();
  return out;
}

describe('examples/node-app, installed with npm outside the workspace', () => {
  it('makes its image folder, trains on it and runs the pipeline', async () => {
    expect(logs['images']).toContain('wrote 78 images of 3 classes to images/train and images/test');
    expect(logs['train']).toMatch(/test accuracy [\d.]+% \(18 images\)/);
    expect(logs['train']).toContain('wrote');
    const trained = JSON.parse(
      await readFile(join(app, 'runs/model/manifest.json'), 'utf8'),
    ) as ModelManifest;
    expect(trained.labels).toEqual(CLASSES);
    expect(logs['pipeline']).toMatch(/11 stages, \d+ reused/);
    const final = JSON.parse(await readFile(join(app, FINAL, 'manifest.json'), 'utf8')) as ModelManifest;
    expect(final.labels).toEqual(CLASSES);
    expect(final.files.map((f) => f.path)).toEqual(expect.arrayContaining(['model.onnx', 'model.int8.onnx']));
  });

  it("classify.mjs (the library API) gives onnxruntime-node's probabilities and edgeml eval's confusion matrix", async () => {
    const output = await inApp('node', ['classify.mjs', FINAL, 'images/test', '--json'], true);
    const api = JSON.parse(output) as ClassifyOutput;
    expect(api.runtime).toBe('ort-node');
    expect(api.file).toBe('model.onnx');
    expect(api.results).toHaveLength(18);

    const reference = await referenceProbabilities(
      join(app, FINAL),
      api.results.map((r) => r.file),
    );
    const confusion = CLASSES.map(() => CLASSES.map(() => 0));
    for (const [i, result] of api.results.entries()) {
      expect(result.predictions).toHaveLength(3);
      const ref = reference[i]!;
      const refTop1 = ref.indexOf(Math.max(...ref));
      expect(result.predictions[0]!.index, result.file).toBe(refTop1);
      for (const p of result.predictions) {
        expect(p.label).toBe(CLASSES[p.index]);
        expect(Math.abs(p.probability - ref[p.index]!), `${result.file} ${p.label}`).toBeLessThanOrEqual(
          1e-5,
        );
      }
      const truth = CLASSES.indexOf(result.file.split('/')[2]!);
      expect(truth, result.file).toBeGreaterThanOrEqual(0);
      confusion[truth]![result.predictions[0]!.index]!++;
    }

    const evalOut = await inApp('npx', ['--no', '--', 'edgeml', 'eval', '--model', FINAL, '--json'], true);
    const evaluated = JSON.parse(evalOut) as {
      split: string;
      count: number;
      accuracy: number;
      confusionMatrix: number[][];
    };
    expect(evaluated.split).toBe('test');
    expect(evaluated.count).toBe(18);
    expect(confusion).toEqual(evaluated.confusionMatrix);
    const correct = confusion.reduce((n, row, i) => n + row[i]!, 0);
    expect(correct / 18).toBeCloseTo(evaluated.accuracy, 12);
  });

  it("edgeml compile finds its AssemblyScript kernels (the package's assembly/ folder) from dist/", async () => {
    const log = await inApp('npx', [
      '--no',
      '--',
      'edgeml',
      'compile',
      '--model',
      FINAL,
      '--out',
      'runs/compiled',
    ]);
    expect(log).toMatch(/wrote .*runs\/compiled \(model\.wasm, model\.js\)/);
    const wasm = await readFile(join(app, 'runs/compiled/model.wasm'));
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
  });

  it('npm run classify prints the top-3 of every test image', async () => {
    const printed = (await inApp('npm', ['run', '--silent', 'classify'], true)).trim().split('\n');
    expect(printed).toHaveLength(18);
    for (const line of printed) {
      expect(line).toMatch(
        /^images\/test\/(\w+)\/\1-\d\d\.png: (\w+) [\d.]+%, (\w+) [\d.]+%, (\w+) [\d.]+% {2}\([\d.]+ ms\)$/,
      );
    }
  });
});
