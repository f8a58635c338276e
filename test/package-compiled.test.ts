/**
 * `edgeml package --runtime edgeml-wasm|ort-web` end to end, float32 and int8: a model package
 * quantised by `edgeml quantize` and compiled by `edgeml compile` (both precisions, the int8 module
 * with model.int8.onnx's quantisation parameters) packaged as a Cloudflare Worker (served by
 * `wrangler dev`, workerd) and as a web page (opened in headless Chromium, images fed through the
 * demo page's file input), on the compiled module and on onnxruntime-web. Every answer is compared
 * with onnxruntime-node on the same package and precision: the same top-1, max |Δp| printed and
 * bounded. The compiled Worker imports its model.wasm precompiled and ships no ORT; its batch
 * endpoint runs the images one by one (batch 1).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { main } from '@edgeml/cli';
import type { Classifier } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumSession, launchChromium } from './support/chromium.js';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';
import { type StaticServer, serveDirectory } from './support/static-server.js';
import { packageForWorker, startWranglerDev } from './support/wrangler-dev.js';

const root = resolve(import.meta.dirname, '..');
const IMAGES = 20;
const PRECISIONS = ['float32', 'int8'] as const;
const RUNTIMES = ['edgeml-wasm', 'ort-web'] as const;
type Precision = (typeof PRECISIONS)[number];
type Runtime = (typeof RUNTIMES)[number];
/**
 * Largest |Δp| against onnxruntime-node on the same package and precision: the compiled kernels sum
 * in another order (float32), the int8 module shares model.int8.onnx's quantisation parameters and
 * requantises as the integer reference does (measured: at most 9e-8 for either).
 */
const TOLERANCE: Record<Precision, number> = { float32: 1e-5, int8: 1e-5 };

interface Prediction {
  readonly label: string;
  readonly probability: number;
}

let dir: string;
let pkgDir: string;
let images: FixtureImages;
const references: Partial<Record<Precision, Prediction[][]>> = {};
const rows: string[] = [];

/** max |Δp| over the labels both answers list, and whether the top-1 agrees. */
function compare(answer: readonly Prediction[], expected: readonly Prediction[]) {
  const byLabel = new Map(expected.map((p) => [p.label, p.probability]));
  let maxAbs = 0;
  for (const p of answer) {
    const q = byLabel.get(p.label);
    if (q !== undefined) maxAbs = Math.max(maxAbs, Math.abs(p.probability - q));
  }
  return { maxAbs, sameTop1: answer[0]?.label === expected[0]?.label };
}

function report(where: string, runtime: Runtime, precision: Precision, answers: Prediction[][]) {
  const expected = references[precision]!;
  let maxAbs = 0;
  let agree = 0;
  for (const [i, answer] of answers.entries()) {
    const c = compare(answer, expected[i]!);
    maxAbs = Math.max(maxAbs, c.maxAbs);
    if (c.sameTop1) agree++;
  }
  const row = `${where} ${runtime} ${precision}: top-1 ${agree}/${answers.length} as onnxruntime-node, max |dp| ${maxAbs.toExponential(2)}`;
  console.log(row);
  rows.push(row);
  expect(agree).toBe(answers.length);
  expect(maxAbs).toBeLessThanOrEqual(TOLERANCE[precision]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgeml-package-compiled-'));
  const fixture = await writeFixturePackage(dir);
  images = await fashionTestPngs(IMAGES);
  // edgeml quantize, then both compiles with the same calibration sample: the int8 module is
  // quantised with model.int8.onnx's parameters.
  pkgDir = join(dir, 'compiled');
  const calib = ['--calib', '64'];
  expect(await main(['quantize', '--model', fixture, '--eval', '0', ...calib, '--out', pkgDir])).toBe(0);
  expect(await main(['compile', '--model', pkgDir, '--out', pkgDir])).toBe(0);
  expect(await main(['compile', '--model', pkgDir, '--precision', 'int8', ...calib, '--out', pkgDir])).toBe(
    0,
  );
  for (const precision of PRECISIONS) {
    const reference: Classifier = await createClassifier(pkgDir, { runtime: 'ort-node', precision });
    const answers: Prediction[][] = [];
    for (const png of images.pngs)
      answers.push([...(await reference.classify(png, { topK: 10 })).predictions]);
    references[precision] = answers;
    await reference.dispose();
  }
}, 600_000);

afterAll(async () => {
  console.log(rows.join('\n'));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Worker (wrangler dev, workerd) on edgeml-wasm and on ort-web', () => {
  it('refuses --runtime edgeml-wasm on a package without a compiled module, naming edgeml compile', async () => {
    // The fixture package holds model.wasm (float32) but no int8 module.
    const args = ['--runtime', 'edgeml-wasm', '--precision', 'int8'];
    const error = await packageForWorker(join(dir, 'pkg'), join(dir, 'refused'), args).then(
      () => 'packaged',
      (e: { stderr?: string; stdout?: string }) => `${e.stderr ?? ''}${e.stdout ?? ''}`,
    );
    expect(error).toMatch(/no int8 module compiled by edgeml compile.*edgeml compile --model/);
  });

  for (const precision of PRECISIONS) {
    for (const runtime of RUNTIMES) {
      it(`${runtime} ${precision}: ${IMAGES} PNGs and one batch give onnxruntime-node's top-1`, async () => {
        const out = join(dir, `worker-${runtime}-${precision}`);
        const stdout = await packageForWorker(pkgDir, out, ['--runtime', runtime, '--precision', precision]);
        expect(stdout).toMatch(new RegExp(`on ${runtime}`));
        const files = (await readdir(join(out, 'src'), { recursive: true })).map(String);
        const entry = await readFile(join(out, 'src/index.js'), 'utf8');
        if (runtime === 'edgeml-wasm') {
          // The compiled module is the CompiledWasm import; no ORT binary, no ORT code in the bundle.
          expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([
            precision === 'int8' ? 'model.int8.wasm' : 'model.wasm',
          ]);
          expect(entry).toMatch(/import modelModule from '\.\/model(\.int8)?\.wasm'/);
          expect(await readFile(join(out, 'src/edgeml-worker.js'), 'utf8')).not.toMatch(/onnxruntime/i);
        } else {
          expect(files).toContain('ort-wasm-simd-threaded.wasm');
        }
        const server = await startWranglerDev(out);
        try {
          const answers: Prediction[][] = [];
          for (const png of images.pngs) {
            const response = await fetch(`${server.base}/v1/classify?topK=10`, {
              method: 'POST',
              body: png as BodyInit,
              headers: { 'content-type': 'image/png' },
            });
            expect(response.status).toBe(200);
            const body = (await response.json()) as {
              predictions: Prediction[];
              model: { precision: string };
            };
            expect(body.model.precision).toBe(precision);
            answers.push(body.predictions);
          }
          report('worker', runtime, precision, answers);
          const model = (await (await fetch(`${server.base}/v1/model`)).json()) as {
            file: { format: string };
          };
          expect(model.file.format).toBe(runtime === 'edgeml-wasm' ? 'wasm' : 'onnx');

          // The batch endpoint: the compiled module (batch 1) runs the images one by one.
          const form = new FormData();
          for (const png of images.pngs.slice(0, 8))
            form.append('image', new Blob([png as BlobPart], { type: 'image/png' }));
          const batch = await fetch(`${server.base}/v1/classify/batch?topK=10`, {
            method: 'POST',
            body: form,
          });
          expect(batch.status).toBe(200);
          const answer = (await batch.json()) as {
            results: { predictions: Prediction[] }[];
            batched: boolean;
          };
          if (runtime === 'edgeml-wasm') expect(answer.batched).toBe(false);
          for (const [i, result] of answer.results.entries()) {
            const c = compare(result.predictions, references[precision]![i]!);
            expect(c.sameTop1).toBe(true);
            expect(c.maxAbs).toBeLessThanOrEqual(TOLERANCE[precision]);
          }
        } finally {
          await server.stop();
        }
      }, 300_000);
    }
  }
});

/** Feeds `png` through the demo page's file input; the top 5 it shows. */
async function classifyInPage(page: Page, png: Uint8Array, name: string): Promise<Prediction[]> {
  const runs = Number(await page.evaluate(() => document.body.dataset['runs']));
  await page.setInputFiles('#file', { name, mimeType: 'image/png', buffer: Buffer.from(png) });
  await page.waitForFunction(
    (n) => Number(document.body.dataset['runs']) > n || document.body.dataset['state'] === 'error',
    runs,
  );
  expect(await page.textContent('#error')).toBe('');
  return page.$$eval('#top5 li', (items) =>
    items.map((li) => ({
      label: li.getAttribute('data-label') ?? '',
      probability: Number(li.getAttribute('data-probability')),
    })),
  );
}

describe('web demo page (headless Chromium) on edgeml-wasm and on ort-web', () => {
  for (const precision of PRECISIONS) {
    for (const runtime of RUNTIMES) {
      it(`${runtime} ${precision}: ${IMAGES} PNGs through the file input give onnxruntime-node's top-1`, async () => {
        const out = join(dir, `web-${runtime}-${precision}`);
        const { stdout } = await promisify(execFile)(
          join(root, 'node_modules/.bin/tsx'),
          [
            'packages/cli/src/bin.ts',
            'package',
            '--model',
            pkgDir,
            '--target',
            'web',
            '--runtime',
            runtime,
            '--precision',
            precision,
            ...(runtime === 'ort-web' ? ['--wasm-only'] : []),
            '--out',
            out,
          ],
          { cwd: root, maxBuffer: 16 << 20 },
        );
        const files = (await readdir(out, { recursive: true })).map(String);
        if (runtime === 'edgeml-wasm') {
          expect(files.some((f) => f.startsWith('ort'))).toBe(false);
          expect(files).toContain(precision === 'int8' ? 'model/model.int8.wasm' : 'model/model.wasm');
          expect(await readFile(join(out, 'edgeml-web.js'), 'utf8')).not.toMatch(/onnxruntime/i);
        }
        // One browser per case, closed before the server: its kept-alive connections would hold
        // the server's close() open.
        const browser: ChromiumSession = await launchChromium();
        const page = await browser.context.newPage();
        const requests: string[] = [];
        page.on('request', (request) => requests.push(request.url()));
        let server: StaticServer | undefined;
        try {
          server = await serveDirectory(out);
          await page.goto(server.url);
          await page.waitForFunction(() => document.body.dataset['state'] !== 'loading', null, {
            timeout: 60_000,
          });
          expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready');
          expect(await page.textContent('#backend')).toMatch(
            runtime === 'edgeml-wasm' ? /edgeml-wasm/ : /WebAssembly \(no WebGPU\)/,
          );
          const answers: Prediction[][] = [];
          for (const [i, png] of images.pngs.entries())
            answers.push(await classifyInPage(page, png, `f${i}.png`));
          // The page shows the top 5: compare those.
          report('chromium', runtime, precision, answers);
          if (runtime === 'edgeml-wasm') expect(requests.some((u) => /\/ort\//.test(u))).toBe(false);
          const kib = (
            stdout.match(/page without WebGPU\s+\|?\s*([\d.]+) KiB\s+\|?\s*([\d.]+) KiB/) ?? []
          ).slice(1);
          rows.push(`web ${runtime} ${precision}: page ${kib[0]} KiB raw, ${kib[1]} KiB gzip`);
        } finally {
          await browser.close();
          await server?.close();
        }
      }, 300_000);
    }
  }
});
