/**
 * A compiled model's two files (model.wasm + model.js, nothing else) in the hosts they are for:
 * a Chromium page that imports model.js and loads by URL, and a Cloudflare Worker in workerd
 * (`wrangler dev`) that imports model.wasm as a compiled module (Workers forbid compiling Wasm from
 * bytes) and passes it to load(). Both must answer exactly the scores Node computes with the same
 * module (same bytes, deterministic SIMD), for cnn-small float32 and int8 (seeded weights).
 * Timings of instantiation and the first run are printed, not asserted.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CompiledModel, compileGraph } from '@edgeml/compiler';
import { calibrate, type IrGraph, prepareGraphForExport, quantizeGraph } from '@edgeml/optimizer';
import { buildModel, loadDataset, selectBackend } from '@edgeml/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumSession, launchChromium } from './support/chromium.js';
import { type StaticServer, serveDirectory } from './support/static-server.js';
import { startWranglerDev, type WranglerDev } from './support/wrangler-dev.js';

const IMAGES = 8;
const WORKER = `import wasm from './model.wasm';
import { load } from './model.js';

let model;
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/v1/health') return new Response('ok');
    const started = Date.now();
    const fresh = model === undefined;
    model ??= await load(wasm);
    const x = new Float32Array(await request.arrayBuffer());
    const scores = model.run(x);
    return new Response(scores.buffer, { headers: { 'x-fresh': String(fresh), 'x-ms': String(Date.now() - started) } });
  },
};
`;

let root: string;
let images: Float32Array;
const variants: { precision: string; dir: string; expected: Float32Array[] }[] = [];

async function writeModel(dir: string, compiled: CompiledModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.wasm'), compiled.wasm);
  await writeFile(join(dir, 'model.js'), compiled.js);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeml-compiled-hosts-'));
  await selectBackend('cpu');
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  let calibration: { x: Float32Array; shape: readonly number[] } | undefined;
  for await (const b of dataset.split('train').batches({ batchSize: 64, limit: 64 })) calibration = b;
  for await (const b of dataset.split('test').batches({ batchSize: IMAGES, limit: IMAGES })) images = b.x;
  const model = buildModel('cnn-small', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const { graph } = prepareGraphForExport(model);
  model.dispose();
  const ranges = await calibrate(graph, {
    x: calibration!.x,
    shape: calibration!.shape as [number, number, number, number],
  });
  const graphs: [string, IrGraph][] = [
    ['float32', graph],
    ['int8', quantizeGraph(graph, ranges).graph],
  ];
  for (const [precision, g] of graphs) {
    const dir = join(root, precision);
    await writeModel(dir, await compileGraph(g));
    const { load } = await import(pathToFileURL(join(dir, 'model.js')).href);
    const node = await load();
    const expected = Array.from({ length: IMAGES }, (_, i) =>
      node.run(images.subarray(i * 784, (i + 1) * 784)),
    );
    variants.push({ precision, dir, expected });
  }
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('model.js + model.wasm in a Chromium page', () => {
  let chromium: ChromiumSession;
  let server: StaticServer;
  beforeAll(async () => {
    chromium = await launchChromium();
    server = await serveDirectory(root);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await chromium?.close();
  });

  it('loads by URL and answers the scores Node computes, bit for bit', async () => {
    await writeFile(join(root, 'index.html'), '<!doctype html><title>compiled</title>');
    const page = await chromium.context.newPage();
    await page.goto(`${server.url}index.html`);
    for (const v of variants) {
      // A string, not a function: vitest would rewrite a function's import() for Node.
      const base = `${server.url}${v.precision}/`;
      const result = (await page.evaluate(`(async () => {
        const x = new Float32Array(${JSON.stringify(Array.from(images))});
        const t0 = performance.now();
        const { load } = await import(${JSON.stringify(`${base}model.js`)});
        const model = await load(new URL(${JSON.stringify(`${base}model.wasm`)}));
        const t1 = performance.now();
        const out = [];
        for (let i = 0; i < ${IMAGES}; i++) out.push(Array.from(model.run(x.subarray(i * 784, (i + 1) * 784))));
        return { out, loadMs: t1 - t0, firstMs: performance.now() - t1 };
      })()`)) as { out: number[][]; loadMs: number; firstMs: number };
      console.log(
        `chromium ${v.precision}: load ${result.loadMs.toFixed(1)} ms, ${IMAGES} runs ${result.firstMs.toFixed(1)} ms`,
      );
      for (const [i, scores] of result.out.entries())
        expect(Float32Array.from(scores)).toEqual(v.expected[i]);
    }
    await page.close();
  });
});

describe('model.js + model.wasm in a Cloudflare Worker (workerd, wrangler dev)', () => {
  it('imports the module precompiled and answers the scores Node computes, bit for bit', async () => {
    for (const v of variants) {
      const dir = join(root, `worker-${v.precision}`);
      await mkdir(dir, { recursive: true });
      const { readFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'model.wasm'), await readFile(join(v.dir, 'model.wasm')));
      await writeFile(join(dir, 'model.js'), await readFile(join(v.dir, 'model.js')));
      await writeFile(join(dir, 'worker.js'), WORKER);
      await writeFile(
        join(dir, 'wrangler.toml'),
        `name = "edgeml-compiled-${v.precision}"\nmain = "worker.js"\ncompatibility_date = "2025-01-01"\n`,
      );
      let dev: WranglerDev | undefined;
      try {
        dev = await startWranglerDev(dir);
        for (let i = 0; i < IMAGES; i++) {
          const response = await fetch(`${dev.base}/`, {
            method: 'POST',
            body: images.slice(i * 784, (i + 1) * 784),
          });
          expect(response.status).toBe(200);
          if (i === 0)
            console.log(
              `worker ${v.precision}: first request ${response.headers.get('x-ms')} ms (wall, workerd clock)`,
            );
          expect(new Float32Array(await response.arrayBuffer())).toEqual(v.expected[i]);
        }
      } finally {
        await dev?.stop();
      }
    }
  }, 300_000);
});
