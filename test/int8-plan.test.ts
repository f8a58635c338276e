/**
 * The per-runtime int8 plan end to end through the CLI: `edgeml quantize --plan-for ort-web` reports
 * the file onnxruntime-web should load, and `edgeml package --target web --precision int8` ships
 * exactly that file. A planned file (a real mixed int8 file, one conv kept float) added to a
 * package is what the web page's runtime loads, and onnxruntime-web answers on it with
 * onnxruntime-node's probabilities for the same bytes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { addFilesToPackage, readModelPackageDir } from '@edgeml/core/node';
import { quantizeModelPackage } from '@edgeml/optimizer';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';

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

describe('int8 plan per runtime (CLI)', () => {
  let dir: string;
  let pkg: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-int8-plan-'));
    pkg = await writeFixturePackage(dir);
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('edgeml quantize --plan-for ort-web names the file that edgeml package --target web ships', async () => {
    const int8 = join(dir, 'int8');
    const q = await edgeml(
      'quantize',
      '--model',
      pkg,
      '--calib',
      '64',
      '--eval',
      '64',
      '--latency-runs',
      '0',
      '--plan-for',
      'ort-web',
      '--json',
      '--out',
      int8,
    );
    expect(q.code, q.stderr).toBe(0);
    const plan = JSON.parse(q.stdout).report.plans[0];
    expect(plan.runtime).toBe('ort-web');
    expect(plan.layers.length).toBeGreaterThan(0);
    const web = join(dir, 'web');
    const p = await edgeml(
      'package',
      '--target',
      'web',
      '--precision',
      'int8',
      '--wasm-only',
      '--model',
      int8,
      '--out',
      web,
    );
    expect(p.code, p.stderr).toBe(0);
    expect((await readdir(join(web, 'model'))).sort()).toEqual([plan.file, 'manifest.json'].sort());
    expect(
      Buffer.compare(await readFile(join(web, 'model', plan.file)), await readFile(join(int8, plan.file))),
    ).toBe(0);
  }, 600_000);

  it('a file planned for ort-web is what the web page loads, with onnxruntime-node probabilities on the same bytes', async () => {
    // A real mixed file: the first conv kept float.
    const mixed = join(dir, 'mixed');
    const { manifest } = await quantizeModelPackage(pkg, mixed, {
      keepFloat: ['conv1'],
      calibrationImages: 64,
      evalImages: 0,
      latencyRuns: 0,
      toolVersion: 'test',
    });
    expect(manifest.files.find((f) => f.path === 'model.int8.onnx')?.precision).toBe('mixed');
    const planned = join(dir, 'planned');
    await quantizeModelPackage(pkg, planned, {
      calibrationImages: 64,
      evalImages: 0,
      latencyRuns: 0,
      toolVersion: 'test',
    });
    const bytes = await readFile(join(mixed, 'model.int8.onnx'));
    await addFilesToPackage(planned, [
      {
        path: 'model.int8.ort-web.onnx',
        bytes,
        format: 'onnx',
        precision: 'mixed',
        role: 'model',
        inputLayout: 'NHWC',
        runtimes: ['ort-web'],
      },
    ]);
    const back = await readModelPackageDir(planned, { verify: true });
    expect(back.manifest.files.find((f) => f.path === 'model.int8.ort-web.onnx')?.runtimes).toEqual([
      'ort-web',
    ]);
    const web = join(dir, 'web-planned');
    const p = await edgeml(
      'package',
      '--target',
      'web',
      '--precision',
      'int8',
      '--wasm-only',
      '--model',
      planned,
      '--out',
      web,
    );
    expect(p.code, p.stderr).toBe(0);
    expect((await readdir(join(web, 'model'))).sort()).toEqual(['manifest.json', 'model.int8.ort-web.onnx']);

    const page = await createClassifier(join(web, 'model'), { runtime: 'ort-web', precision: 'int8' });
    const node = await createClassifier(mixed, { runtime: 'ort-node', precision: 'int8' });
    const generic = await createClassifier(planned, { runtime: 'ort-node', precision: 'int8' });
    try {
      expect(page.file.path).toBe('model.int8.ort-web.onnx');
      expect(generic.file.path).toBe('model.int8.onnx'); // ort-node never loads the ort-web plan
      const { pngs } = await fashionTestPngs(20);
      let worst = 0;
      for (const png of pngs) {
        const a = (await page.classify(png, { topK: 10 })).predictions;
        const b = (await node.classify(png, { topK: 10 })).predictions;
        const pb = new Map(b.map((x) => [x.index, x.probability]));
        expect(a[0]!.index).toBe(b[0]!.index);
        for (const x of a) worst = Math.max(worst, Math.abs(x.probability - pb.get(x.index)!));
      }
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await page.dispose();
      await node.dispose();
      await generic.dispose();
    }
  }, 600_000);
});
