// The Cloudflare Worker target end to end: `edgeml package --target worker` on a real model
// package (trained, so its top-1 varies; it holds the module edgeml compile wrote, so the Worker
// runs on the default runtime edgeml-wasm), the project served by `wrangler dev` (workerd) on
// 127.0.0.1, 100 real Fashion-MNIST PNGs of every class classified with the same top-1 and
// probability as onnxruntime-node, every bad input refused with its status
// while the isolate keeps serving. Then a colour model (32x32x3, centre crop) served as float32 and
// as int8: colour JPEGs (one EXIF-rotated), RGB, RGBA and grayscale PNGs of other sizes give the
// probabilities onnxruntime-node gives on the Node classifier's tensor of the same bytes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Classifier, toRawImage } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  handComputedInput,
  maxAbsDifference,
  maxDeviationFromFlat,
  referenceScores,
  scoresOf,
  top1,
  wronglyPreprocessedScores,
} from './support/colour-reference.js';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';
import { RGB_CLASSES, writeRgbFixturePackages } from './support/rgb-fixture.js';
import { type UserImage, userImages } from './support/user-images.js';
import { packageForWorker, startWranglerDev, type WranglerDev } from './support/wrangler-dev.js';

const MAX_BODY = 64 * 1024;

describe('Cloudflare Worker target (wrangler dev, workerd)', () => {
  let dir: string;
  let pkgDir: string;
  let workerDir: string;
  let images: FixtureImages;
  let server: WranglerDev | undefined;
  let base: string;
  let packageStdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-worker-'));
    pkgDir = await writeFixturePackage(dir, { trained: true });
    images = await fashionTestPngs(100);
    workerDir = join(dir, 'worker');
    packageStdout = await packageForWorker(pkgDir, workerDir, [
      '--cors',
      'https://app.example',
      '--max-body-bytes',
      String(MAX_BODY),
    ]);
    server = await startWranglerDev(workerDir);
    base = server.base;
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const classify = (body: BodyInit, type: string, path = '/v1/classify') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

  async function expectGoodRequest(): Promise<void> {
    const response = await classify(images.pngs[0]! as BodyInit, 'image/png');
    expect(response.status).toBe(200);
  }

  it('writes a self-contained Wrangler project and reports its size', async () => {
    expect(packageStdout).toMatch(/total\s+\|?\s*[\d.]+ KiB/);
    // The default runtime: the package holds a float32 module compiled by edgeml compile.
    expect(packageStdout).toMatch(/model\.wasm on edgeml-wasm/);
    // No access control asked for: the command says so, and nothing in wrangler.toml turns it on.
    expect(packageStdout).toMatch(/API key: off until the secret EDGEML_API_KEY is set/);
    expect(packageStdout).toMatch(/rate limit: off/);
    expect(packageStdout).toMatch(/10 ms CPU per request \(free plan/);
    const toml = await readFile(join(workerDir, 'wrangler.toml'), 'utf8');
    expect(toml).toMatch(/compatibility_date = "\d{4}-\d{2}-\d{2}"/);
    expect(toml).toMatch(/type = "CompiledWasm"/);
    expect(toml).toMatch(/EDGEML_API_KEY_REQUIRED = "false"/);
    expect(toml).not.toMatch(/ratelimits/);
    const entry = await readFile(join(workerDir, 'src/index.js'), 'utf8');
    expect(entry).not.toMatch(/@edgeml|node_modules/);
  });

  it('classifies 100 Fashion-MNIST PNGs with the same top-1 as onnxruntime-node', async () => {
    const reference = await createClassifier(pkgDir, { runtime: 'ort-node' });
    // The package holds model.wasm (edgeml compile), so the Worker runs it by default: its file is served.
    const compiled = await createClassifier(pkgDir, { runtime: 'edgeml-wasm' });
    const sha256 = compiled.file.sha256;
    await compiled.dispose();
    let agree = 0;
    const expectedClasses = new Set<string>();
    for (const [i, png] of images.pngs.entries()) {
      // Half as raw PNG bodies, half as JSON base64.
      const response =
        i % 2 === 0
          ? await classify(png as BodyInit, 'image/png')
          : await classify(
              JSON.stringify({ image: Buffer.from(png).toString('base64') }),
              'application/json',
            );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        predictions: { label: string; probability: number }[];
        model: { name: string; sha256: string; precision: string };
        timings: Record<string, number>;
      };
      const expected = await reference.classify(png, { topK: 1 });
      expectedClasses.add(expected.predictions[0]!.label);
      if (body.predictions[0]?.label === expected.predictions[0]?.label) agree++;
      expect(body.predictions[0]!.probability).toBeCloseTo(expected.predictions[0]!.probability, 4);
      if (i === 0) {
        expect(body.model).toEqual({ name: 'fashion-tiny', sha256, precision: 'float32' });
        expect(Object.keys(body.timings).sort()).toEqual(['decode', 'inference', 'preprocess', 'total']);
        expect(body.predictions).toHaveLength(5);
      }
    }
    await reference.dispose();
    expect(agree).toBe(100);
    // The images cover every class and the trained model's answers vary, so one class for
    // everything could not pass.
    expect(new Set(images.labels).size).toBe(10);
    expect(expectedClasses.size).toBeGreaterThanOrEqual(3);
  });

  it('answers health, model and CORS preflight', async () => {
    expect(await (await fetch(`${base}/v1/health`)).json()).toMatchObject({
      status: 'ok',
      model: 'fashion-tiny',
    });
    const model = (await (await fetch(`${base}/v1/model`)).json()) as Record<string, unknown>;
    expect(model).toMatchObject({ name: 'fashion-tiny', input: { shape: [28, 28, 1] } });
    expect(model).not.toHaveProperty('lineage');
    const preflight = await fetch(`${base}/v1/classify`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('refuses each bad input with its status and a JSON error, and keeps serving', async () => {
    const png = images.pngs[0]!;
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['wrong content type', () => classify('hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [
        'body over the limit',
        () => classify(new Uint8Array(MAX_BODY + 1) as BodyInit, 'image/png'),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'undecodable image',
        () => classify(new Uint8Array([1, 2, 3, 4]) as BodyInit, 'image/png'),
        400,
        'INVALID_IMAGE',
      ],
      ['truncated PNG', () => classify(png.subarray(0, 60) as BodyInit, 'image/png'), 400, 'INVALID_IMAGE'],
      ['malformed JSON', () => classify('{"image": ', 'application/json'), 400, 'INVALID_JSON'],
      [
        'unexpected JSON key',
        () => classify('{"image": "", "x": 1}', 'application/json'),
        400,
        'INVALID_JSON',
      ],
      ['JSON of the wrong type', () => classify('[1, 2]', 'application/json'), 400, 'INVALID_JSON'],
      [
        'bad topK',
        () => classify(png as BodyInit, 'image/png', '/v1/classify?topK=0'),
        400,
        'INVALID_PARAMETER',
      ],
      ['wrong method', () => fetch(`${base}/v1/classify`), 405, 'METHOD_NOT_ALLOWED'],
      ['unknown route', () => fetch(`${base}/v2/nope`), 404, 'NOT_FOUND'],
    ];
    for (const [name, send, status, code] of cases) {
      const response = await send();
      const body = (await response.json()) as { error?: { code: string; message: string } };
      expect({ name, status: response.status, code: body.error?.code }).toEqual({ name, status, code });
      expect(body.error?.message).toBeTruthy();
      await expectGoodRequest();
    }
  });
});

/** Largest |Δp| allowed between the Worker and onnxruntime-node: both run the same ONNX file on the same tensor. */
const TOLERANCE = { float32: 1e-5, int8: 1e-5 } as const;

describe('Cloudflare Worker target: colour images of other sizes, float32 and int8 packages', () => {
  type Precision = keyof typeof TOLERANCE;
  let dir: string;
  const images = userImages();
  const servers: Partial<Record<Precision, WranglerDev>> = {};
  const references: Partial<Record<Precision, Classifier>> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-worker-rgb-'));
    const { floatDir, int8Dir } = await writeRgbFixturePackages(dir);
    const packages: Record<Precision, string> = { float32: floatDir, int8: int8Dir };
    await Promise.all(
      (['float32', 'int8'] as const).map(async (precision) => {
        const out = join(dir, `worker-${precision}`);
        await packageForWorker(packages[precision], out, ['--precision', precision]);
        servers[precision] = await startWranglerDev(out);
        references[precision] = await createClassifier(packages[precision], {
          runtime: 'ort-node',
          precision,
        });
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    await Promise.all(Object.values(references).map((reference) => reference.dispose()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const reference = (precision: Precision): Classifier => {
    const classifier = references[precision];
    if (!classifier) throw new Error(`no ${precision} reference classifier`);
    return classifier;
  };

  it('checks the images against values computed by hand, independently of the code under test', () => {
    const node = reference('float32');
    expect(node.inputSpec).toMatchObject({ width: 32, height: 32, channels: 3, fit: 'center-crop' });
    const flat = images.filter((image) => image.cropColour);
    expect(flat.map((image) => image.name)).toEqual([
      'flat-rgb-50x30.png',
      'flat-rgba-17x64.png',
      'flat-gray-30x50.png',
    ]);
    for (const image of flat) {
      // Every value of the centre-cropped input is the window's colour, normalised by the formula.
      const expected = handComputedInput(node, image.cropColour ?? []);
      const { tensor } = node.preprocess(image.bytes);
      expect(tensor.length).toBe(32 * 32 * 3);
      expect(maxDeviationFromFlat(tensor, expected), image.name).toBeLessThanOrEqual(1e-6);
    }
    // Each PNG decodes to the samples it was written from (alpha dropped, gray kept gray).
    for (const image of images) {
      const source = image.source;
      if (!source) continue;
      const kept = source.channels === 4 ? 3 : source.channels;
      const expected = new Uint8Array(source.width * source.height * kept);
      for (let i = 0; i < source.width * source.height; i++)
        expected.set(source.data.subarray(i * source.channels, i * source.channels + kept), i * kept);
      const decoded = toRawImage(image.bytes);
      expect({
        name: image.name,
        width: decoded.width,
        height: decoded.height,
        channels: decoded.channels,
      }).toEqual({
        name: image.name,
        width: source.width,
        height: source.height,
        channels: kept,
      });
      expect(Buffer.from(decoded.data).equals(Buffer.from(expected)), image.name).toBe(true);
    }
    // The EXIF-tagged JPEG is stored 44x26 and decodes upright, 26x44.
    const phone = toRawImage(images.find((image) => image.name.includes('exif'))!.bytes);
    expect([phone.width, phone.height]).toEqual([26, 44]);
  });

  it('would notice a target that preprocesses wrongly: each mistake moves the probabilities by far more than the tolerance', async () => {
    const mistakes = new Set<string>();
    for (const precision of ['float32', 'int8'] as const) {
      for (const image of images) {
        const expected = await referenceScores(reference(precision), image.bytes);
        for (const wrong of await wronglyPreprocessedScores(reference(precision), image)) {
          mistakes.add(wrong.mistake);
          const moved = maxAbsDifference(wrong.scores, expected);
          expect(moved, `${precision} ${image.name}: ${wrong.mistake}`).toBeGreaterThan(
            100 * TOLERANCE[precision],
          );
        }
      }
    }
    expect([...mistakes].sort()).toEqual([
      'EXIF orientation ignored',
      'R and B swapped',
      'alpha composited over black',
      'stretch instead of center-crop',
    ]);
  });

  for (const precision of ['float32', 'int8'] as const) {
    it(`serves the ${precision} package: every image gives onnxruntime-node's probabilities on the Node tensor (|Δp| <= ${TOLERANCE[precision]})`, async () => {
      const server = servers[precision];
      const node = reference(precision);
      if (!server) throw new Error(`no ${precision} Worker`);
      const model = (await (await fetch(`${server.base}/v1/model`)).json()) as Record<string, unknown>;
      // The default Worker runs the module edgeml package compiled from this package (int8 from
      // its model.int8.onnx), checked here against onnxruntime-node on that package's ONNX file.
      expect(model).toMatchObject({
        name: 'colour-tiny',
        input: { shape: [32, 32, 3] },
        file: { precision, path: precision === 'int8' ? 'model.int8.wasm' : 'model.wasm' },
      });
      let worst = 0;
      for (const [i, image] of images.entries()) {
        const response = await sendImage(server.base, image, i % 2 === 1);
        expect({ image: image.name, status: response.status }).toEqual({ image: image.name, status: 200 });
        const body = (await response.json()) as {
          predictions: { label: string; probability: number }[];
          model: { sha256: string; precision: string };
        };
        expect(body.model).toMatchObject({
          sha256: (model as { file: { sha256: string } }).file.sha256,
          precision,
        });
        expect(body.predictions.map((p) => p.label).sort()).toEqual([...RGB_CLASSES].sort());
        const served = scoresOf(body.predictions);
        const expected = await referenceScores(node, image.bytes);
        const difference = maxAbsDifference(served, expected);
        worst = Math.max(worst, difference);
        expect({ image: image.name, top1: body.predictions[0]?.label }).toEqual({
          image: image.name,
          top1: top1(expected),
        });
        expect(difference, image.name).toBeLessThanOrEqual(TOLERANCE[precision]);
      }
      console.log(`Worker ${precision}: max |Δp| ${worst.toExponential(2)} over ${images.length} images`);
    });
  }
});

/** POSTs `image` to /v1/classify?topK=5 as a raw body of its type, or as JSON base64. */
function sendImage(base: string, image: UserImage, asJson: boolean): Promise<Response> {
  const body = asJson ? JSON.stringify({ image: Buffer.from(image.bytes).toString('base64') }) : image.bytes;
  return fetch(`${base}/v1/classify?topK=${RGB_CLASSES.length}`, {
    method: 'POST',
    body: body as BodyInit,
    headers: { 'content-type': asJson ? 'application/json' : image.type },
  });
}
