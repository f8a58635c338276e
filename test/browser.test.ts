// The web target end to end: `edgeml package --target web` on a real (trained) model package, the
// output served by a plain static server on 127.0.0.1 and opened in headless Chromium (driven by
// playwright-core; $EDGEML_CHROMIUM, Debian's, else the one from npm: see support/chromium.ts; never
// skipped): 30 real Fashion-MNIST PNGs of every class fed through the page's own file input give
// the same top-1 and probability as onnxruntime-node (its answers vary: at least 3 classes), the
// drawing pad classifies, the ES module works on its own, and the page loads nothing from anywhere
// but its own directory. Saves a screenshot under reports/e2e/.
// Then a colour model (32x32x3, centre crop) packaged as float32 and as int8: colour JPEGs (one
// EXIF-rotated), RGB, RGBA and grayscale PNGs of other sizes, fed through the file input, give the
// probabilities onnxruntime-node gives on the Node classifier's tensor of the same bytes, and the
// page's own preprocess() builds that tensor bit for bit. EDGEML_REQUIRE_WEBGPU=1 turns the WebGPU
// case's skip (no adapter) into a failure; with the npm browser it always fails (that browser ships
// its own SwiftShader, so no adapter there is a fault).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Classifier } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumSession, launchChromium } from './support/chromium.js';
import {
  handComputedInput,
  maxAbsDifference,
  maxDeviationFromFlat,
  referenceScores,
  scoresOf,
  top1,
} from './support/colour-reference.js';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';
import { RGB_CLASSES, writeRgbFixturePackages } from './support/rgb-fixture.js';
import { type StaticServer, serveDirectory } from './support/static-server.js';
import { userImages } from './support/user-images.js';

const root = resolve(import.meta.dirname, '..');
const IMAGES = 30;
const SCREENSHOT = join(root, 'reports/e2e/web-demo.png');
/** Set to 1 where WebGPU must run (a GPU, or SwiftShader's Vulkan): no adapter then fails the WebGPU case. */
const REQUIRE_WEBGPU = process.env['EDGEML_REQUIRE_WEBGPU'] === '1';

interface ShownPrediction {
  readonly label: string;
  readonly probability: number;
}

/** Feeds `bytes` (a PNG unless `mimeType` says otherwise) through the page's file input; the top 5 it shows. */
async function classifyInPage(
  page: Page,
  bytes: Uint8Array,
  name: string,
  mimeType = 'image/png',
): Promise<ShownPrediction[]> {
  const runs = Number(await page.evaluate(() => document.body.dataset['runs']));
  await page.setInputFiles('#file', { name, mimeType, buffer: Buffer.from(bytes) });
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

describe('web target (headless Chromium)', () => {
  let dir: string;
  let pkgDir: string;
  let webDir: string;
  let images: FixtureImages;
  let server: StaticServer;
  let browser: ChromiumSession;
  let page: Page;
  let packageStdout: string;
  const foreignRequests: string[] = [];
  const pageRequests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-web-'));
    pkgDir = await writeFixturePackage(dir, { trained: true });
    images = await fashionTestPngs(IMAGES);
    webDir = join(dir, 'web');
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsx'),
      // onnxruntime-web (its WebGPU and WebAssembly builds) explicitly: the package also holds
      // model.wasm, which the default would ship (the compiled page: package-compiled.test.ts).
      [
        'packages/cli/src/bin.ts',
        'package',
        '--model',
        pkgDir,
        '--target',
        'web',
        '--runtime',
        'ort-web',
        '--out',
        webDir,
      ],
      { cwd: root, maxBuffer: 16 << 20 },
    );
    packageStdout = stdout;
    server = await serveDirectory(webDir);
    browser = await launchChromium();
    console.log(
      `Chromium ${browser.context.browser()?.version()} from ${browser.chromium.source}: ${browser.chromium.path}`,
    );
    page = await browser.context.newPage();
    page.on('request', (request) => {
      const url = request.url();
      pageRequests.push(url);
      if (!url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:')) {
        foreignRequests.push(url);
      }
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset['state'] !== 'loading', null, { timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a self-contained static site and reports its sizes', async () => {
    const files = (await readdir(webDir, { recursive: true })).map(String).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'index.html',
        'edgeml-web.js',
        'demo.js',
        'README.md',
        'model/manifest.json',
        'model/model.onnx',
        'ort/ort-wasm-simd-threaded.wasm',
        'ort/ort-wasm-simd-threaded.asyncify.wasm',
      ]),
    );
    expect(packageStdout).toMatch(/edgeml-web\.js\s+[\d.]+ KiB\s+[\d.]+ KiB/);
    expect(packageStdout).toMatch(/page without WebGPU/);
    for (const file of ['index.html', 'edgeml-web.js', 'demo.js']) {
      const text = await readFile(join(webDir, file), 'utf8');
      expect(text).not.toMatch(/cdn\.jsdelivr|unpkg\.com|cdnjs|googleapis/);
    }
  });

  it('loads on WebAssembly (no WebGPU adapter here) and shows the model', async () => {
    expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready');
    expect(await page.textContent('#backend')).toMatch(/WebAssembly/);
    expect(await page.textContent('#model-name')).toBe('fashion-tiny');
    expect(await page.textContent('#model-info')).toMatch(/10 classes · input 28×28×1/);
  });

  it(`classifies ${IMAGES} Fashion-MNIST PNGs through the file input with the same top-1 as onnxruntime-node`, async () => {
    const reference = await createClassifier(pkgDir, { runtime: 'ort-node' });
    let agree = 0;
    const expectedClasses = new Set<string>();
    for (const [i, png] of images.pngs.entries()) {
      const shown = await classifyInPage(page, png, `fashion-${i}.png`);
      const expected = (await reference.classify(png, { topK: 5 })).predictions;
      expectedClasses.add(expected[0]!.label);
      expect(shown).toHaveLength(5);
      if (shown[0]?.label === expected[0]?.label) agree++;
      expect(shown[0]!.probability).toBeCloseTo(expected[0]!.probability, 5);
    }
    await reference.dispose();
    expect(agree).toBe(IMAGES);
    // Every class among the images, and the trained model's answers vary.
    expect(new Set(images.labels).size).toBe(10);
    expect(expectedClasses.size).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('#latency')).toMatch(/ms total: decode .* inference .* \(wasm\)/);
    await mkdir(join(root, 'reports/e2e'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('classifies a drawing on the pad', async () => {
    const runs = Number(await page.evaluate(() => document.body.dataset['runs']));
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((n) => Number(document.body.dataset['runs']) > n, runs);
    const probabilities = await page.$$eval('#top5 li', (items) =>
      items.map((li) => Number(li.getAttribute('data-probability'))),
    );
    expect(probabilities).toHaveLength(5);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-5);
  });

  it('serves the ES module on its own: loadWebClassifier(), and a typed refusal when WebGPU is required', async () => {
    const png = Array.from(images.pngs[1]!);
    // A string, not a function: vitest rewrites `import()` inside test functions.
    const answer = (await page.evaluate(`(async (bytes) => {
      const lib = await import(new URL('./edgeml-web.js', document.baseURI).href);
      const classifier = await lib.loadWebClassifier({ backends: ['wasm'] });
      const result = await classifier.classify(new Uint8Array(bytes), { topK: 1 });
      await classifier.dispose();
      const refusal = await lib.loadWebClassifier({ backends: ['webgpu'] }).then(
        () => 'loaded',
        (error) => error.code + ': ' + error.message,
      );
      return { backend: classifier.backend, top: result.predictions[0], refusal };
    })(${JSON.stringify(png)})`)) as { backend: string; top: ShownPrediction; refusal: string };
    const reference = await createClassifier(pkgDir, { runtime: 'ort-node' });
    const expected = (await reference.classify(images.pngs[1]!, { topK: 1 })).predictions[0];
    await reference.dispose();
    expect(answer.backend).toBe('wasm');
    expect(answer.top.label).toBe(expected?.label);
    expect(answer.refusal).toMatch(/^BACKEND_UNAVAILABLE: .*no WebGPU adapter/);
  });

  it('runs on the WebGPU build where an adapter exists (SwiftShader), with the same top-1', async (context) => {
    const gpu = await launchChromium({ webgpu: true });
    try {
      const gpuPage = await gpu.context.newPage();
      await gpuPage.goto(server.url);
      await gpuPage.waitForFunction(() => document.body.dataset['state'] !== 'loading', null, {
        timeout: 60_000,
      });
      // 'WebGPU (+ wasm)', or 'WebAssembly (no WebGPU)' when Chromium offers no adapter.
      const backend = await gpuPage.textContent('#backend');
      if (!backend?.startsWith('WebGPU')) {
        const reason = `no software WebGPU adapter in this Chromium (${backend})`;
        if (REQUIRE_WEBGPU) throw new Error(`EDGEML_REQUIRE_WEBGPU=1, but ${reason}`);
        if (gpu.chromium.source === 'npm')
          throw new Error(`the npm Chromium ships SwiftShader, but ${reason}`);
        context.skip(reason);
      }
      const reference = await createClassifier(pkgDir, { runtime: 'ort-node' });
      for (const [i, png] of images.pngs.slice(0, 5).entries()) {
        const shown = await classifyInPage(gpuPage, png, `gpu-${i}.png`);
        const expected = (await reference.classify(png, { topK: 1 })).predictions[0]!;
        expect(shown[0]?.label).toBe(expected.label);
        expect(shown[0]!.probability).toBeCloseTo(expected.probability, 4);
      }
      await reference.dispose();
      expect(await gpuPage.textContent('#latency')).toMatch(/\(webgpu\)$/);
    } finally {
      await gpu.close();
    }
  });

  it('loaded nothing from outside its directory and threw no page errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    // Without a WebGPU adapter the page never fetches the WebGPU build's 25 MiB binary.
    expect(pageRequests.filter((url) => url.endsWith('.wasm'))).toEqual([
      `${server.url}ort/ort-wasm-simd-threaded.wasm`,
    ]);
  });
});

/** Largest |Δp| allowed between the page and onnxruntime-node: both run the same ONNX file on the same tensor. */
const TOLERANCE = { float32: 1e-5, int8: 1e-5 } as const;

describe('web target: colour images of other sizes, float32 and int8 packages', () => {
  type Precision = keyof typeof TOLERANCE;
  const PRECISIONS = ['float32', 'int8'] as const;
  const images = userImages();
  let dir: string;
  let browser: ChromiumSession | undefined;
  const servers: StaticServer[] = [];
  const pages: Partial<Record<Precision, Page>> = {};
  const references: Partial<Record<Precision, Classifier>> = {};
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-web-rgb-'));
    const { floatDir, int8Dir } = await writeRgbFixturePackages(dir);
    const packages: Record<Precision, string> = { float32: floatDir, int8: int8Dir };
    browser = await launchChromium();
    const session = browser;
    await Promise.all(
      PRECISIONS.map(async (precision) => {
        const out = join(dir, `web-${precision}`);
        await promisify(execFile)(
          join(root, 'node_modules/.bin/tsx'),
          [
            'packages/cli/src/bin.ts',
            'package',
            '--model',
            packages[precision],
            '--target',
            'web',
            '--precision',
            precision,
            '--wasm-only',
            '--out',
            out,
          ],
          { cwd: root, maxBuffer: 16 << 20 },
        );
        const server = await serveDirectory(out);
        servers.push(server);
        const page = await session.context.newPage();
        page.on('pageerror', (error) => pageErrors.push(`${precision}: ${error.message}`));
        await page.goto(server.url);
        await page.waitForFunction(() => document.body.dataset['state'] !== 'loading', null, {
          timeout: 60_000,
        });
        pages[precision] = page;
        references[precision] = await createClassifier(packages[precision], {
          runtime: 'ort-node',
          precision,
        });
      }),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(Object.values(references).map((reference) => reference.dispose()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const setUp = (precision: Precision): { page: Page; node: Classifier } => {
    const page = pages[precision];
    const node = references[precision];
    if (!page || !node) throw new Error(`the ${precision} page or its reference did not load`);
    return { page, node };
  };

  for (const precision of PRECISIONS) {
    it(`${precision}: every image through the file input gives onnxruntime-node's probabilities on the Node tensor (|Δp| <= ${TOLERANCE[precision]})`, async () => {
      const { page, node } = setUp(precision);
      expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready');
      expect(await page.textContent('#model-info')).toMatch(/5 classes · input 32×32×3/);
      let worst = 0;
      for (const image of images) {
        const shown = await classifyInPage(page, image.bytes, image.name, image.type);
        expect(shown.map((p) => p.label).sort()).toEqual([...RGB_CLASSES].sort());
        const expected = await referenceScores(node, image.bytes);
        const difference = maxAbsDifference(scoresOf(shown), expected);
        worst = Math.max(worst, difference);
        expect({ image: image.name, top1: shown[0]?.label }).toEqual({
          image: image.name,
          top1: top1(expected),
        });
        expect(difference, image.name).toBeLessThanOrEqual(TOLERANCE[precision]);
      }
      expect(await page.textContent('#latency')).toMatch(/\(wasm\)$/);
      console.log(`page ${precision}: max |Δp| ${worst.toExponential(2)} over ${images.length} images`);
    });

    it(`${precision}: the page's preprocess() builds the Node classifier's tensor bit for bit, and the hand-computed one for flat colours`, async () => {
      const { page, node } = setUp(precision);
      // A string, not a function: vitest rewrites `import()` inside test functions.
      const tensors = (await page.evaluate(`(async (images) => {
        const lib = await import(new URL('./edgeml-web.js', document.baseURI).href);
        const classifier = await lib.loadWebClassifier({ backends: ['wasm'] });
        const out = images.map((bytes) => Array.from(classifier.preprocess(new Uint8Array(bytes)).tensor));
        const precision = classifier.precision;
        await classifier.dispose();
        return { precision, out };
      })(${JSON.stringify(images.map((image) => Array.from(image.bytes)))})`)) as {
        precision: string;
        out: number[][];
      };
      expect(tensors.precision).toBe(precision);
      for (const [i, image] of images.entries()) {
        const inPage = Float32Array.from(tensors.out[i] ?? []);
        const inNode = node.preprocess(image.bytes).tensor;
        expect(inPage.length, image.name).toBe(32 * 32 * 3);
        expect(Buffer.from(inPage.buffer).equals(Buffer.from(inNode.buffer)), image.name).toBe(true);
        if (image.cropColour) {
          const deviation = maxDeviationFromFlat(inPage, handComputedInput(node, image.cropColour));
          expect(deviation, image.name).toBeLessThanOrEqual(1e-6);
        }
      }
    });
  }

  it('threw no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
