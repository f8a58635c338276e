// The Cloudflare Worker target end to end: `edgeml package --target worker` on a real model
// package, the project served by `wrangler dev` (workerd) on 127.0.0.1, 100 real Fashion-MNIST
// PNGs classified with the same top-1 as onnxruntime-node, every bad input refused with its status
// while the isolate keeps serving.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createClassifier, spawnWrangler } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';

const root = resolve(import.meta.dirname, '..');
const MAX_BODY = 64 * 1024;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForReady(child: ChildProcess, base: string): Promise<void> {
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}: ${log}`);
    const ok = await fetch(`${base}/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not become ready: ${log}`);
}

describe('Cloudflare Worker target (wrangler dev, workerd)', () => {
  let dir: string;
  let pkgDir: string;
  let workerDir: string;
  let images: FixtureImages;
  let child: ChildProcess | undefined;
  let base: string;
  let packageStdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-worker-'));
    pkgDir = await writeFixturePackage(dir);
    images = await fashionTestPngs(100);
    workerDir = join(dir, 'worker');
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsx'),
      [
        'packages/cli/src/bin.ts',
        'package',
        '--model',
        pkgDir,
        '--target',
        'worker',
        '--out',
        workerDir,
        '--cors',
        'https://app.example',
        '--max-body-bytes',
        String(MAX_BODY),
      ],
      { cwd: root, maxBuffer: 16 << 20 },
    );
    packageStdout = stdout;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawnWrangler(['dev', '--ip', '127.0.0.1', '--port', String(port)], {
      cwd: workerDir,
      pipe: true,
    });
    await waitForReady(child, base);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const closed = new Promise((r) => child?.once('close', r));
      child.kill('SIGTERM');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
    }
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
    const toml = await readFile(join(workerDir, 'wrangler.toml'), 'utf8');
    expect(toml).toMatch(/compatibility_date = "\d{4}-\d{2}-\d{2}"/);
    expect(toml).toMatch(/type = "CompiledWasm"/);
    const entry = await readFile(join(workerDir, 'src/index.js'), 'utf8');
    expect(entry).not.toMatch(/@edgeml|node_modules/);
  });

  it('classifies 100 Fashion-MNIST PNGs with the same top-1 as onnxruntime-node', async () => {
    const reference = await createClassifier(pkgDir, { runtime: 'ort-node' });
    const sha256 = reference.file.sha256;
    let agree = 0;
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
