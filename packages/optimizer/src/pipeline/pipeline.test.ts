import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type JsonObject } from '@edgeml/core';
import { buildModel, selectBackend } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distillPass } from '../passes/distill/distill-pass.js';
import { prunePass } from '../passes/prune/prune-pass.js';
import { definePass } from './pass.js';
import { loadPassPackage, packageFromModel, savePassPackage } from './pass-package.js';
import { foldBnPass } from './passes/fold-bn-pass.js';
import { toyDataset } from './testing/toy-data.js';

let cacheDir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  cacheDir = await mkdtemp(join(tmpdir(), 'edgeml-pass-cache-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const data = toyDataset();
const ctx = { toolVersion: 'test', dataset: data };
const tiny = () => buildModel('cnn-tiny', { inputShape: [12, 12, 1], numClasses: 4, seed: 1 });
const flat = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

describe('pass configs are validated when the pass is created', () => {
  it.each([
    [`prune: 'sparsity' must be in [0, 1), got 1`, prunePass, { sparsity: 1 }],
    [`prune: 'sparsity' must be in [0, 1), got -0.1`, prunePass, { sparsity: -0.1 }],
    [`prune: 'method' must be 'structured' or 'magnitude', got "random"`, prunePass, { method: 'random' }],
    [`prune: 'finetuneEpochs' must be an integer in [0, 10000], got 1.5`, prunePass, { finetuneEpochs: 1.5 }],
    [`distill: 'temperature' must be > 0, got 0`, distillPass, { temperature: 0 }],
    [`distill: 'alpha' must be in [0, 1], got 1.5`, distillPass, { alpha: 1.5 }],
    [`distill: 'student' must be`, distillPass, { student: 'vgg' }],
    [`fold-bn: unknown key 'epsilon'`, foldBnPass, { epsilon: 1 }],
  ] as const)('%s', (message, factory, config) => {
    expect(() => factory.create(config)).toThrow(ConfigError);
    expect(() => factory.create(config)).toThrow(message);
  });

  it('rejects a bad trainer config inside a pass config', () => {
    expect(() => distillPass.create({ train: { epochs: -3 } })).toThrow(
      /'epochs' must be a positive integer/,
    );
  });

  it('names the key in the error details', () => {
    // A create that does not throw fails here, not in a later expect on `undefined`.
    const error = (() => {
      try {
        prunePass.create({ sparsity: 2 });
      } catch (e) {
        return e;
      }
      throw new Error('prunePass.create({ sparsity: 2 }) did not throw');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).details).toMatchObject({ key: 'sparsity', expected: 'in [0, 1)' });
  });
});

describe('Pass.run', { timeout: 60_000 }, () => {
  it('fold-bn: a new model, same predictions, input untouched, lineage recorded', async () => {
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const before = flat(input.model);
    const { output, report, cached } = await foldBnPass.create({}).run(input, ctx);
    expect(cached).toBe(false);
    expect(output.model).not.toBe(input.model);
    expect(flat(input.model)).toEqual(before);
    expect(report.folded).toHaveLength(3);
    expect(output.model.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    const x = tf.randomNormal([3, 12, 12, 1], 0, 1, 'float32', 5);
    const diff = (output.model.predict(x) as tf.Tensor)
      .sub(input.model.predict(x) as tf.Tensor)
      .abs()
      .max();
    expect(diff.dataSync()[0]).toBeLessThan(1e-5);
    const step = output.manifest.lineage.at(-1)!;
    expect(step).toMatchObject({ kind: 'pass', name: 'fold-bn', config: { passVersion: 1 } });
    expect(step.inputs[0]).toEqual({ name: 'tiny', sha256: input.manifestSha256, kind: 'manifest' });
    expect(output.manifest.name).toBe('tiny-fold-bn');
  });

  it('caches by (pass, version, config, input): a re-run skips the work', async () => {
    let runs = 0;
    const counting = definePass<JsonObject, { runs: number }>({
      name: 'count',
      version: 1,
      description: 'counts its runs',
      needsDataset: false,
      validate: (json) => ({ ...(json as JsonObject) }),
      async transform(input) {
        runs++;
        return { model: await cloneOf(input.model), report: { runs } };
      },
    });
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const first = await counting.create({ a: 1 }).run(input, { ...ctx, cacheDir });
    const second = await counting.create({ a: 1 }).run(input, { ...ctx, cacheDir });
    expect(runs).toBe(1);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.report).toEqual({ runs: 1 });
    expect(second.output.manifestSha256).toBe(first.output.manifestSha256);
    expect(flat(second.output.model)).toEqual(flat(first.output.model));
    await counting.create({ a: 2 }).run(input, { ...ctx, cacheDir });
    expect(runs).toBe(2);
  });

  it('keys a pass that uses data by the TF.js backend too; a pass without data is backend-free', async () => {
    const runs: Record<string, number> = { data: 0, none: 0 };
    const counting = (needsDataset: boolean) =>
      definePass<JsonObject, JsonObject>({
        name: `count-${needsDataset ? 'data' : 'none'}`,
        version: 1,
        description: 'counts its runs',
        needsDataset: () => needsDataset,
        validate: (json) => ({ ...(json as JsonObject) }),
        async transform(input) {
          runs[needsDataset ? 'data' : 'none']!++;
          return { model: await cloneOf(input.model), report: {} };
        },
      });
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const both = () =>
      Promise.all(
        [true, false].map((d) =>
          counting(d)
            .create({})
            .run(input, { ...ctx, cacheDir }),
        ),
      );
    const onCpu = await both();
    await selectBackend('wasm', { threads: 1 });
    const onWasm = await both().finally(() => tf.setBackend('cpu'));
    expect(runs).toEqual({ data: 2, none: 1 });
    expect(onWasm.map((r) => r.cached)).toEqual([false, true]);
    expect(onWasm[0]!.key).not.toBe(onCpu[0]!.key);
    expect((await both()).map((r) => r.cached)).toEqual([true, true]);
  });

  it('adds the files a transform returns; they survive the cache and a save', async () => {
    const withFile = definePass<JsonObject, JsonObject>({
      name: 'with-file',
      version: 1,
      description: 'adds notes.txt',
      needsDataset: false,
      validate: () => ({}),
      async transform(input) {
        return {
          model: await cloneOf(input.model),
          report: {},
          files: [{ path: 'notes.txt', bytes: 'int8 later\n', format: 'other', role: 'metadata' }],
        };
      },
    });
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const first = await withFile.create().run(input, { ...ctx, cacheDir });
    const hit = await withFile.create().run(input, { ...ctx, cacheDir });
    expect(hit.cached).toBe(true);
    const dir = join(cacheDir, 'with-file-saved');
    await savePassPackage(hit.output, dir);
    const loaded = await loadPassPackage(dir);
    expect(loaded.manifestSha256).toBe(first.output.manifestSha256);
    const notes = loaded.files?.find((f) => f.path === 'notes.txt');
    expect(new TextDecoder().decode(notes?.bytes as Uint8Array)).toBe('int8 later\n');
    const clash = definePass<JsonObject, JsonObject>({
      name: 'clash',
      version: 1,
      description: 'adds a second labels.txt',
      needsDataset: false,
      validate: () => ({}),
      async transform(input) {
        return {
          model: await cloneOf(input.model),
          report: {},
          files: [{ path: 'labels.txt', bytes: 'x\n', format: 'labels', role: 'labels' }],
        };
      },
    });
    await expect(clash.create().run(input, ctx)).rejects.toThrow("file 'labels.txt' is listed twice");
  });

  it('saves an output as an ordinary package that loads back with the same manifest hash', async () => {
    const input = await packageFromModel(tiny(), 'tiny', data.info);
    const { output } = await foldBnPass.create().run(input, ctx);
    const dir = join(cacheDir, 'saved');
    await savePassPackage(output, dir);
    const loaded = await loadPassPackage(dir);
    expect(loaded.manifestSha256).toBe(output.manifestSha256);
    expect(loaded.manifest.lineage.map((s) => s.name)).toEqual(['fold-bn']);
  });
});

async function cloneOf(model: tf.LayersModel): Promise<tf.LayersModel> {
  const { deserializeLayersModel, serializeLayersModel } = await import('@edgeml/trainer');
  const { modelJson, weights } = await serializeLayersModel(model);
  return deserializeLayersModel(modelJson, [weights]);
}
