// examples/web-app as a user gets it: the example copied out of the repository, the packed
// @edgeml tarballs (support/packed-packages.ts) plus vite and typescript installed with npm, a small
// trained Fashion-MNIST model packaged by `edgeml package --target web` put in its public/model/,
// `npm run build` (tsc, then vite build), the built folder served on 127.0.0.1 and driven in
// headless Chromium: 20 real Fashion-MNIST PNGs (2 per class), 10 picked through the file input and
// 10 dropped on the drop zone, each shown with the top-3 onnxruntime-node gives on the same model
// (same labels, |Δp| <= 1e-5), and the timings shown.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { createClassifier } from '@edgeml/runtime-edge/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumSession, launchChromium } from './support/chromium.js';
import { fashionPngsPerClass, trainFashionPackage } from './support/fashion-trained-fixture.js';
import { npmEnv, npmInstallPacked, packAll, REPO_ROOT } from './support/packed-packages.js';
import { type StaticServer, serveDirectory } from './support/static-server.js';

const run = promisify(execFile);
const EXAMPLE = join(REPO_ROOT, 'examples/web-app');
/** Largest |Δp| between the page and onnxruntime-node: the same ONNX file on the same tensor. */
const TOLERANCE = 1e-5;

interface Shown {
  readonly label: string;
  readonly probability: number;
}

/** Waits for the page to finish the classification started by `act`, then reads its top 3. */
async function classifyWith(page: Page, act: () => Promise<void>): Promise<Shown[]> {
  const runs = Number(await page.evaluate(() => document.body.dataset['runs']));
  await act();
  await page.waitForFunction((n) => Number(document.body.dataset['runs']) > n, runs);
  expect(await page.textContent('#error')).toBe('');
  return page.$$eval('#top3 li', (items) =>
    items.map((li) => ({
      label: li.getAttribute('data-label') ?? '',
      probability: Number(li.getAttribute('data-probability')),
    })),
  );
}

/** Picks `png` through the page's file input. */
function pick(page: Page, png: Uint8Array, name: string): Promise<Shown[]> {
  return classifyWith(page, () =>
    page.setInputFiles('#file', { name, mimeType: 'image/png', buffer: Buffer.from(png) }),
  );
}

/** Drops `png` on the drop zone (a drop event carrying a DataTransfer with the file). */
function dropOn(page: Page, png: Uint8Array, name: string): Promise<Shown[]> {
  return classifyWith(page, async () => {
    const dataTransfer = await page.evaluateHandle(
      ({ bytes, fileName }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], fileName, { type: 'image/png' }));
        return transfer;
      },
      { bytes: Array.from(png), fileName: name },
    );
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
  });
}

describe('examples/web-app (Vite + TypeScript, installed from the packed tarballs with npm)', () => {
  let work: string;
  let project: string;
  let modelDir: string;
  let buildOutput: string;
  let server: StaticServer;
  let browser: ChromiumSession;
  let page: Page;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'edgeml-example-web-app-'));
    project = join(work, 'web-app');
    await cp(EXAMPLE, project, {
      recursive: true,
      filter: (source) => !/^(node_modules|dist|public[\\/]model)([\\/]|$)/.test(relative(EXAMPLE, source)),
    });
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    const install = (async () => {
      const tarballs = await packAll();
      console.log(`packed tarballs at ${seconds()} s`);
      await npmInstallPacked(project, tarballs, { names: ['@edgeml/runtime-edge'] });
      console.log(`npm install done at ${seconds()} s`);
    })();
    // What a user does: edgeml package --target web, then the model/ folder into public/.
    const model = (async () => {
      const trained = await trainFashionPackage(work);
      const web = join(work, 'web');
      await run(
        join(REPO_ROOT, 'node_modules/.bin/tsx'),
        [
          'packages/cli/src/bin.ts',
          'package',
          '--model',
          trained.dir,
          '--target',
          'web',
          '--wasm-only',
          '--out',
          web,
        ],
        { cwd: REPO_ROOT, maxBuffer: 16 << 20 },
      );
      await mkdir(join(project, 'public'), { recursive: true });
      await cp(join(web, 'model'), join(project, 'public/model'), { recursive: true });
      console.log(
        `trained fixture: ${(trained.testAccuracy * 100).toFixed(1)}% in ${trained.seconds.toFixed(1)} s; model in public/ at ${seconds()} s`,
      );
    })();
    await Promise.all([install, model]);
    modelDir = join(project, 'public/model');
    const built = await run('npm', ['run', 'build'], { cwd: project, env: npmEnv(), maxBuffer: 16 << 20 });
    // Vite colours its log when it thinks a terminal reads it (CI=true makes it think so).
    buildOutput = stripVTControlCharacters(built.stdout + built.stderr);
    console.log(`npm run build (tsc, vite build) done at ${seconds()} s`);
    server = await serveDirectory(join(project, 'dist'));
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !/^(blob|data):/.test(request.url())) {
        foreignRequests.push(request.url());
      }
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset['state'] !== 'loading', null, { timeout: 60_000 });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('uses the installed tarball, not the workspace, and vite build emits the app, ORT wasm and the model', async () => {
    const installed = await realpath(join(project, 'node_modules/@edgeml/runtime-edge'));
    expect(installed.startsWith(await realpath(project))).toBe(true);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, { default?: string }>;
    };
    expect(manifest.exports['.']?.default).toMatch(/^\.\/dist\//);
    expect(buildOutput).toMatch(/vite v8\.\d+\.\d+ building/);
    expect(buildOutput).toMatch(/✓ built in/);
    const assets = (await readdir(join(project, 'dist/assets'))).sort();
    expect(assets.filter((name) => /^ort-wasm-simd-threaded-[\w-]+\.wasm$/.test(name))).toHaveLength(1);
    expect((await readdir(join(project, 'dist/model'))).sort()).toEqual(['manifest.json', 'model.onnx']);
    for (const name of assets.filter((file) => file.endsWith('.js'))) {
      const js = await readFile(join(project, 'dist/assets', name), 'utf8');
      expect(js, name).not.toContain(REPO_ROOT);
    }
  });

  it('loads the model from public/model/ and says what it loaded', async () => {
    expect(await page.textContent('#error')).toBe('');
    expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready');
    // The stylesheet applied: the file input is hidden behind its dashed drop zone.
    expect(await page.isHidden('#file')).toBe(true);
    expect(await page.$eval('#drop', (zone) => getComputedStyle(zone).borderStyle)).toBe('dashed');
    expect(await page.textContent('#model')).toMatch(
      /^fashion-cnn-tiny: 10 classes, input 28×28×1, float32 on onnxruntime-web \(WebAssembly\), loaded in \d+ ms$/,
    );
  });

  it('20 Fashion-MNIST PNGs, 10 picked and 10 dropped, show onnxruntime-node top-3 (same labels, |Δp| <= 1e-5)', async () => {
    const images = await fashionPngsPerClass(2);
    const reference = await createClassifier(modelDir, { runtime: 'ort-node' });
    let worst = 0;
    const top1: string[] = [];
    try {
      for (const [i, png] of images.pngs.entries()) {
        const name = `fashion-${i}-class-${images.labels[i]}.png`;
        const shown = i % 2 === 0 ? await pick(page, png, name) : await dropOn(page, png, name);
        const expected = (await reference.classify(png, { topK: 3 })).predictions;
        expect(
          shown.map((p) => p.label),
          name,
        ).toEqual(expected.map((p) => p.label));
        for (const [k, p] of shown.entries()) {
          worst = Math.max(worst, Math.abs(p.probability - (expected[k]?.probability ?? Number.NaN)));
        }
        top1.push(shown[0]?.label ?? '');
      }
    } finally {
      await reference.dispose();
    }
    console.log(`web-app example: 20/20 top-1 equal, max |Δp| ${worst.toExponential(2)} over the top 3`);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    // A trained model: the answers vary, so a page stuck on one class could not pass.
    expect(new Set(top1).size).toBeGreaterThanOrEqual(5);
    expect(await page.textContent('#timings')).toMatch(
      /^decode \d+\.\d ms · preprocess \d+\.\d ms · inference \d+\.\d ms · classify \d+\.\d ms · file to result \d+\.\d ms$/,
    );
    expect(await page.isVisible('#preview')).toBe(true);
    await mkdir(join(REPO_ROOT, 'reports/e2e'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'reports/e2e/web-app-example.png'), fullPage: true });
  });

  it('loaded nothing from elsewhere, fetched only the WebAssembly ORT binary, threw no page errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(server.requests.filter((path) => path.endsWith('.wasm'))).toEqual([
      expect.stringMatching(/^\/assets\/ort-wasm-simd-threaded-[\w-]+\.wasm$/),
    ]);
  });
});
