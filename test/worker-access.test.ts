// The Worker facing the internet, in workerd (`wrangler dev`): a Worker packaged with
// `--api-key-required --rate-limit 5/60s`, its keys in `.dev.vars` as `wrangler secret put` would
// set them. Without a valid key: 401 with a JSON error and the model never loaded (the isolate's
// /v1/health counters say so); with one: 200 and onnxruntime-node's predictions. Past a client's
// budget: 429 with Retry-After, while another client still gets 200 (Cloudflare's rate-limiting
// binding as miniflare implements it locally). POST /v1/classify/batch: 16 images with one corrupt
// among them answer 15 predictions (onnxruntime-node's top-1 and probabilities) and one error, in
// order, as multipart and as JSON; the batch limits refuse with 413.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Classifier } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureImages, fashionTestPngs, writeFixturePackage } from './support/fashion-fixture.js';
import { packageForWorker, startWranglerDev, type WranglerDev } from './support/wrangler-dev.js';

const KEYS = ['edgeml-test-key-0123456789abcdef', 'second-client-key-fedcba9876543210'];
const RATE_LIMIT = 5;
const BATCH_MAX_IMAGES = 20;
const BATCH_MAX_BYTES = 256 * 1024;
/** Largest |Δp| between the Worker (ORT Web in workerd) and onnxruntime-node on the same PNG. */
const TOLERANCE = 1e-5;

interface Prediction {
  readonly label: string;
  readonly probability: number;
}
type BatchEntry = { predictions: Prediction[] } | { error: { code: string; message: string } };
interface Health {
  status: string;
  modelLoaded: boolean;
  imagesClassified: number;
}

describe('Worker access control and batch endpoint (wrangler dev, workerd)', () => {
  let dir: string;
  let pkgDir: string;
  let images: FixtureImages;
  let reference: Classifier;
  let server: WranglerDev | undefined;
  let base: string;
  let packageStdout: string;
  let wranglerToml: string;
  // Each test is its own client (rate-limit budgets are per CF-Connecting-IP).
  let nextClient = 1;
  const newClient = () => `198.51.100.${nextClient++}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-worker-access-'));
    pkgDir = await writeFixturePackage(dir);
    images = await fashionTestPngs(16);
    reference = await createClassifier(pkgDir, { runtime: 'ort-node' });
    const workerDir = join(dir, 'worker');
    // onnxruntime-web: it runs a batch in one inference (the compiled module's batch 1 is covered
    // in package-compiled.test.ts).
    packageStdout = await packageForWorker(pkgDir, workerDir, [
      '--runtime',
      'ort-web',
      '--api-key-required',
      '--rate-limit',
      `${RATE_LIMIT}/60s`,
      '--batch-max-images',
      String(BATCH_MAX_IMAGES),
      '--batch-max-bytes',
      String(BATCH_MAX_BYTES),
    ]);
    wranglerToml = await readFile(join(workerDir, 'wrangler.toml'), 'utf8');
    // What `wrangler secret put EDGEML_API_KEY` is in production: two clients, two keys.
    await writeFile(join(workerDir, '.dev.vars'), `EDGEML_API_KEY=${KEYS.join(',')}\n`);
    server = await startWranglerDev(workerDir);
    base = server.base;
  });
  afterAll(async () => {
    await server?.stop();
    await reference?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const health = async () => (await (await fetch(`${base}/v1/health`)).json()) as Health;
  const post = (path: string, body: BodyInit, headers: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers });
  const auth = (key: string, client: string) => ({
    authorization: `Bearer ${key}`,
    'cf-connecting-ip': client,
  });

  it('prints which access controls are on and writes them into wrangler.toml', () => {
    expect(packageStdout).toMatch(/API key: required/);
    expect(packageStdout).toMatch(
      new RegExp(`rate limit: on, ${RATE_LIMIT} requests per 60 s per client IP`),
    );
    expect(packageStdout).toMatch(new RegExp(`batch: at most ${BATCH_MAX_IMAGES} images`));
    expect(wranglerToml).toMatch(/EDGEML_API_KEY_REQUIRED = "true"/);
    expect(wranglerToml).toMatch(/\[\[ratelimits\]\]\nname = "EDGEML_RATE_LIMITER"\nnamespace_id = "\d+"/);
    expect(wranglerToml).toMatch(new RegExp(`limit = ${RATE_LIMIT}\\nperiod = 60`));
    expect(wranglerToml).not.toMatch(/EDGEML_API_KEY\s*=/);
  });

  it('answers 401 without a valid key and does no model work; 200 with onnxruntime-node predictions with one', async () => {
    expect(await health()).toMatchObject({ status: 'ok', modelLoaded: false, imagesClassified: 0 });
    const png = images.pngs[0]! as BodyInit;
    const client = newClient();
    const refusals: [string, Record<string, string>][] = [
      ['no Authorization header', {}],
      ['wrong key', { authorization: 'Bearer not-the-key' }],
      ['key of the same length, one character off', { authorization: `Bearer ${KEYS[0]!.slice(0, -1)}x` }],
      ['prefix of a key', { authorization: `Bearer ${KEYS[0]!.slice(0, 10)}` }],
      ['both keys joined', { authorization: `Bearer ${KEYS.join(',')}` }],
      ['Basic scheme', { authorization: `Basic ${btoa(`user:${KEYS[0]}`)}` }],
      ['key without scheme', { authorization: KEYS[0]! }],
    ];
    for (const [name, headers] of refusals) {
      for (const path of ['/v1/classify', '/v1/classify/batch', '/v1/model']) {
        const response =
          path === '/v1/model'
            ? await fetch(`${base}${path}`, { headers: { ...headers, 'cf-connecting-ip': client } })
            : await post(path, png, { ...headers, 'content-type': 'image/png', 'cf-connecting-ip': client });
        const body = (await response.json()) as { error?: { code: string; message: string } };
        expect({ name, path, status: response.status, code: body.error?.code }).toEqual({
          name,
          path,
          status: 401,
          code: 'UNAUTHORIZED',
        });
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    // Twenty-one refusals later, the model has still not been loaded, nor anything classified.
    expect(await health()).toMatchObject({ modelLoaded: false, imagesClassified: 0 });

    for (const key of KEYS) {
      const response = await post('/v1/classify?topK=10', png, {
        ...auth(key, client),
        'content-type': 'image/png',
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { predictions: Prediction[] };
      const expected = await reference.classify(images.pngs[0]!, { topK: 10 });
      expect(body.predictions.map((p) => p.label)).toEqual(expected.predictions.map((p) => p.label));
      for (const [i, p] of body.predictions.entries()) {
        expect(Math.abs(p.probability - expected.predictions[i]!.probability)).toBeLessThanOrEqual(TOLERANCE);
      }
    }
    expect(await health()).toMatchObject({ modelLoaded: true, imagesClassified: 2 });
    // 401s never counted against the budget: this client spent 2 of its 5.
  });

  it(`answers 429 with Retry-After past ${RATE_LIMIT} requests per minute, per client`, async () => {
    const png = images.pngs[1]! as BodyInit;
    const send = (client: string) =>
      post('/v1/classify', png, { ...auth(KEYS[0]!, client), 'content-type': 'image/png' });
    // The binding counts in fixed 60 s windows: a burst that straddles a window boundary starts
    // over, so such a burst is repeated with a fresh client (at most once needed).
    for (let attempt = 0; attempt < 3; attempt++) {
      const client = newClient();
      const window = Math.floor(Date.now() / 60_000);
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i <= RATE_LIMIT; i++) {
        const response = await send(client);
        statuses.push(response.status);
        if (response.status === 429) limited = response;
        else await response.arrayBuffer();
      }
      if (Math.floor(Date.now() / 60_000) !== window) continue;
      expect(statuses).toEqual([...Array<number>(RATE_LIMIT).fill(200), 429]);
      expect(limited?.headers.get('retry-after')).toBe('60');
      expect(await limited?.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      // Still limited, and another client is not.
      expect((await send(client)).status).toBe(429);
      const other = await send(newClient());
      expect(other.status).toBe(200);
      return;
    }
    throw new Error('every burst straddled a rate-limit window boundary');
  });

  async function checkBatch(response: Response, corrupt: number): Promise<void> {
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: BatchEntry[]; batched: boolean };
    expect(body.results).toHaveLength(16);
    expect(body.batched).toBe(true);
    let agree = 0;
    for (const [i, entry] of body.results.entries()) {
      if (i === corrupt) {
        expect(entry).toMatchObject({ error: { code: 'INVALID_IMAGE' } });
        continue;
      }
      expect(entry, `image ${i}`).toHaveProperty('predictions');
      const predictions = (entry as { predictions: Prediction[] }).predictions;
      const expected = (await reference.classify(images.pngs[i]!, { topK: 3 })).predictions;
      if (predictions[0]?.label === expected[0]?.label) agree++;
      for (const [j, p] of predictions.entries()) {
        expect(p.label, `image ${i} rank ${j}`).toBe(expected[j]?.label);
        expect(Math.abs(p.probability - expected[j]!.probability), `image ${i}`).toBeLessThanOrEqual(
          TOLERANCE,
        );
      }
    }
    expect(agree).toBe(15);
  }

  it('classifies a batch of 16 images with one corrupt: 15 predictions (onnxruntime-node top-1) and one error, in order', async () => {
    const corrupt = 6;
    const form = new FormData();
    for (const [i, png] of images.pngs.entries()) {
      const bytes = i === corrupt ? png.subarray(0, 70) : png; // a truncated PNG
      form.append('image', new Blob([bytes as BlobPart], { type: 'image/png' }), `img-${i}.png`);
    }
    const before = (await health()).imagesClassified;
    await checkBatch(
      await fetch(`${base}/v1/classify/batch?topK=3`, {
        method: 'POST',
        body: form,
        headers: auth(KEYS[1]!, newClient()),
      }),
      corrupt,
    );
    expect((await health()).imagesClassified).toBe(before + 15);

    // The same as JSON base64, the corrupt one now bytes that are no image at all.
    const json = images.pngs.map((png, i) =>
      Buffer.from(i === 11 ? new Uint8Array([1, 2, 3, 4, 5]) : png).toString('base64'),
    );
    await checkBatch(
      await post('/v1/classify/batch?topK=3', JSON.stringify({ images: json }), {
        ...auth(KEYS[0]!, newClient()),
        'content-type': 'application/json',
      }),
      11,
    );
  });

  it('refuses batches over the limits and malformed batches as a whole, with typed JSON errors', async () => {
    const png = Buffer.from(images.pngs[0]!).toString('base64');
    const cases: [string, (client: string) => Promise<Response>, number, string][] = [
      [
        'too many images',
        (client) =>
          post(
            '/v1/classify/batch',
            JSON.stringify({ images: Array<string>(BATCH_MAX_IMAGES + 1).fill(png) }),
            { ...auth(KEYS[0]!, client), 'content-type': 'application/json' },
          ),
        413,
        'TOO_MANY_IMAGES',
      ],
      [
        'too many bytes',
        (client) =>
          post('/v1/classify/batch', JSON.stringify({ images: ['A'.repeat(BATCH_MAX_BYTES)] }), {
            ...auth(KEYS[0]!, client),
            'content-type': 'application/json',
          }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'no images',
        (client) =>
          post('/v1/classify/batch', JSON.stringify({ images: [] }), {
            ...auth(KEYS[0]!, client),
            'content-type': 'application/json',
          }),
        400,
        'INVALID_PARAMETER',
      ],
      [
        'images not an array',
        (client) =>
          post('/v1/classify/batch', JSON.stringify({ images: png }), {
            ...auth(KEYS[0]!, client),
            'content-type': 'application/json',
          }),
        400,
        'INVALID_JSON',
      ],
      [
        'raw PNG body',
        (client) =>
          post('/v1/classify/batch', images.pngs[0]! as BodyInit, {
            ...auth(KEYS[0]!, client),
            'content-type': 'image/png',
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [name, send, status, code] of cases) {
      // A fresh client per case keeps the rate limit out of the way.
      const response = await send(newClient());
      const body = (await response.json()) as { error?: { code: string; message: string } };
      expect({ name, status: response.status, code: body.error?.code }).toEqual({ name, status, code });
      expect(body.error?.message).toBeTruthy();
    }
  });
});
