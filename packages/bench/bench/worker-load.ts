/**
 * The Worker under load, in workerd (`wrangler dev`): `npx tsx packages/bench/bench/worker-load.ts
 * --model DIR [--precision float32|int8] [--clients 32] [--seconds 60] [--memory-bound-mib 32]
 * [--out reports/worker-load]`. Packages the model with an API key required (the key in
 * `.dev.vars`), then runs a warm-up, a phase of good requests only and a phase with hostile
 * requests interleaved (one in four: bombs, corrupt images, oversize bodies, wrong types, bad
 * JSON, wrong keys), `clients` concurrent clients for `seconds` each (src/targets/worker/worker-load.ts).
 * Every good answer must carry onnxruntime-node's top-1 and probability (|Δp| <= 1e-5), every
 * hostile one its refusal status; the isolate's memory (read through the inspector, from a child
 * node given --experimental-websocket on Node 20) must not grow by more than the bound from the
 * start of the good phase to the end of the mixed one (workerd's RSS when it cannot be read). Writes load.json and load.md;
 * exits 1 on any error, wrong answer or memory growth past the bound.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelPackageDir } from '@edgeml/core/node';
import { createClassifier, packageWorker } from '@edgeml/runtime-edge/node';
import { markdownTable } from '../src/report/markdown.js';
import { benchDataset, loadBenchImages } from '../src/run/images.js';
import { hostileRequests, type LoadRequest, runWorkerLoadTest } from '../src/targets/worker/worker-load.js';
import { startWranglerDev } from '../src/targets/worker/wrangler-dev.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    precision: { type: 'string', default: 'float32' },
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '60' },
    'memory-bound-mib': { type: 'string', default: '32' },
    out: { type: 'string', default: 'reports/worker-load' },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be an integer >= 1, got '${text}'`);
  return n;
};
if (!values.model) throw new Error('--model DIR is required: a model package with model.onnx');
const precision = values.precision === 'int8' ? 'int8' : 'float32';
if (values.precision !== precision)
  throw new Error(`--precision must be float32 or int8, got '${values.precision}'`);
const clients = positive('clients', values.clients);
const seconds = positive('seconds', values.seconds);
const boundBytes = positive('memory-bound-mib', values['memory-bound-mib']) * 1024 * 1024;
const TOLERANCE = 1e-5;
const MAX_BODY = 4 * 1024 * 1024;

const modelDir = resolve(values.model);
const pkg = await readModelPackageDir(modelDir, { verify: false });
const images = await loadBenchImages(await benchDataset([pkg.manifest]), 64, 0);
const reference = await createClassifier(modelDir, { runtime: 'ort-node', precision });
const apiKey = randomBytes(24).toString('hex');
const good: LoadRequest[] = [];
for (const [i, png] of images.pngs.entries()) {
  const top = (await reference.classify(png, { topK: 1 })).predictions[0];
  if (!top) throw new Error('the reference answered no prediction');
  good.push({
    name: `image ${i}`,
    path: '/v1/classify?topK=1',
    body: png,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'image/png' },
    status: 200,
    expected: { label: top.label, probability: top.probability },
  });
}
await reference.dispose();
const hostile = hostileRequests(images.pngs[0] as Uint8Array, apiKey, MAX_BODY);

const work = await mkdtemp(join(tmpdir(), 'edgeml-worker-load-'));
let load: Awaited<ReturnType<typeof runWorkerLoadTest>>;
try {
  const project = join(work, 'worker');
  console.error(`packaging ${modelDir} (${precision}) with an API key required`);
  await packageWorker(modelDir, project, {
    precision,
    maxBodyBytes: MAX_BODY,
    access: { apiKeyRequired: true },
  });
  await writeFile(join(project, '.dev.vars'), `EDGEML_API_KEY=${apiKey}\n`);
  const server = await startWranglerDev(project);
  try {
    load = await runWorkerLoadTest(server, good, hostile, {
      clients,
      seconds,
      warmupSeconds: Math.min(20, seconds),
      tolerance: TOLERANCE,
      memoryBoundBytes: boundBytes,
      onPhase: (name) => console.error(`${name}: ${clients} clients`),
    });
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const results = [...(load.warmup ? [load.warmup] : []), ...load.phases];
const measured = load.phases;
const heap = load.isolateHeap;
const heapRead = load.growthMeasure === 'isolate heap + backing stores';
const growth = load.growthBytes;
const rssGrowth = load.workerdRssGrowthBytes;
const threads = load.threads;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const table = markdownTable(
  [
    'phase',
    'clients',
    's',
    'requests',
    'good',
    'hostile',
    'errors',
    'wrong',
    'req/s',
    'good/s',
    'p50 ms',
    'p99 ms',
    'RSS start',
    'RSS peak',
    'RSS end',
  ],
  results.map((r) => [
    r.phase,
    String(r.clients),
    r.seconds.toFixed(1),
    String(r.requests),
    String(r.good),
    String(r.hostile),
    String(r.errors),
    String(r.wrong),
    f(r.requestsPerSecond),
    f(r.goodPerSecond),
    f(r.latency.p50),
    f(r.latency.p99),
    mib(r.rss.startBytes),
    mib(r.rss.peakBytes),
    mib(r.rss.endBytes),
  ]),
);
const errors = measured.reduce((n, r) => n + r.errors, 0);
const withinBound = load.withinBound;
const served = measured.reduce((n, r) => n + r.requests, 0);
const summary = [
  `${heapRead ? "the isolate's memory (live JS heap after a GC + ArrayBuffer backing stores)" : 'RSS of the workerd process hosting the Worker (isolate heap not read)'}, from the start of the good phase to the end of the mixed one: ${growth >= 0 ? '+' : ''}${mib(growth)} over ${served} requests (bound ${mib(boundBytes)}: ${withinBound ? 'within' : 'EXCEEDED'})`,
  `RSS of the workerd process hosting the Worker over the same span: +${mib(rssGrowth)} (${mib((rssGrowth * 1000) / Math.max(1, served))} per 1000 requests; memory outside the isolate, not billed per isolate; why it grows is not established: wrangler's inspector proxy enabling the Network domain is one candidate)`,
  heapRead
    ? `isolate after a full GC (inspector Runtime.getHeapUsage), start of good → end of good → end of mixed: JS heap ${heap.map((h) => mib(h?.usedBytes ?? 0)).join(' → ')}, ArrayBuffers ${heap.map((h) => mib(h?.backingStorageBytes ?? 0)).join(' → ')}`
    : 'isolate JS heap: not read (the inspector did not answer)',
  `wrangler's proxy workerd (not deployed): ${mib(load.proxyRssEndBytes)} RSS at the end`,
  `workerd threads: ${threads.start} at the start of the good phase, ${threads.end} at the end`,
  `errors: ${errors}${
    errors > 0
      ? ` (${measured
          .flatMap((r) => r.errorSamples)
          .slice(0, 5)
          .join(' | ')})`
      : ''
  }`,
].filter((l) => l !== '');
const out = resolve(values.out ?? 'reports/worker-load');
await mkdir(out, { recursive: true });
const report = {
  createdAt: new Date().toISOString(),
  model: pkg.manifest.name,
  precision,
  ...load,
};
await writeFile(join(out, 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
const md = `# Worker under load: ${pkg.manifest.name} (${precision})\n\n${table}\n\n${summary.map((l) => `- ${l}`).join('\n')}\n\nHostile requests (mixed phase): ${hostile.map((h) => `${h.name} → ${h.status}`).join('; ')}.\n`;
await writeFile(join(out, 'load.md'), md);
console.log(md);
console.log(`wrote ${join(out, 'load.json')}, ${join(out, 'load.md')}`);
process.exit(errors === 0 && withinBound ? 0 : 1);
