/**
 * The Worker on its two runtimes side by side, in one run: `npx tsx
 * packages/bench/bench/worker-runtimes.ts --model DIR [--precision float32|int8] [--cold 3]
 * [--requests 100] [--out reports/worker-runtimes]`. The model (a package holding the module
 * `edgeml compile` wrote) is packaged twice with packageWorker, `--runtime edgeml-wasm` and
 * `--runtime ort-web`, and each project is measured as the bench's Worker target measures it
 * (src/targets/worker/): the upload's raw and gzip size from `wrangler deploy --dry-run`, the
 * runtime code apart from the model file, `cold` fresh `wrangler dev` (workerd) processes with the
 * CPU of the first classification read from /proc (the isolate's model load and first run), then
 * `requests` warm sequential classifications (CPU per request with the idle baseline subtracted,
 * and wall time), p50 and p99. Every answer's top-1 is checked against onnxruntime-node. Writes
 * worker-runtimes.json and worker-runtimes.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelPackageDir } from '@edgeml/core/node';
import { createClassifier, findWrangler, packageWorker } from '@edgeml/runtime-edge/node';
import { markdownTable } from '../src/report/markdown.js';
import { benchDataset, loadBenchImages } from '../src/run/images.js';
import { summarize } from '../src/stats/summary.js';
import { type CpuSample, WorkerdCpuMeter, workerdPids } from '../src/targets/worker/worker-cpu.js';
import { startWranglerDev, type WranglerDevServer } from '../src/targets/worker/wrangler-dev.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    precision: { type: 'string', default: 'float32' },
    cold: { type: 'string', default: '3' },
    requests: { type: 'string', default: '100' },
    out: { type: 'string', default: 'reports/worker-runtimes' },
  },
});
if (!values.model) throw new Error('--model DIR is required');
const modelDir = resolve(values.model);
const precision = values.precision === 'int8' ? 'int8' : 'float32';
const coldRuns = Number(values.cold);
const requests = Number(values.requests);
const RUNTIMES = ['edgeml-wasm', 'ort-web'] as const;

const pkg = await readModelPackageDir(modelDir);
const dataset = await benchDataset([pkg.manifest]);
const { pngs } = await loadBenchImages(dataset, 50, 0);
const reference = await createClassifier(modelDir, { runtime: 'ort-node', precision });
const expected: string[] = [];
for (const png of pngs)
  expected.push((await reference.classify(png, { topK: 1 })).predictions[0]?.label ?? '');
await reference.dispose();

async function classify(base: string, png: Uint8Array): Promise<string> {
  const response = await fetch(`${base}/v1/classify?topK=1`, {
    method: 'POST',
    body: png as BodyInit,
    headers: { 'content-type': 'image/png' },
  });
  if (!response.ok)
    throw new Error(`POST /v1/classify answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { predictions: { label: string }[] };
  return body.predictions[0]?.label ?? '';
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const work = await mkdtemp(join(tmpdir(), 'edgeml-worker-runtimes-'));
const results = [];
try {
  for (const runtime of RUNTIMES) {
    const project = join(work, runtime);
    const packaged = await packageWorker(modelDir, project, { runtime, precision });
    const size = packaged.size;
    if (!size) throw new Error('no bundle size measured');
    // The runtime code: every module of the upload but the model file (and its manifest).
    const model = size.modules.filter((m) => /manifest\.json$|\.onnx$|model(\.int8)?\.wasm$/.test(m.path));
    const runtimeBytes = size.bytes - model.reduce((n, m) => n + m.bytes, 0);
    const runtimeGzip = size.gzipBytes - model.reduce((n, m) => n + m.gzipBytes, 0);
    const cold: CpuSample[] = [];
    const startupCpu: number[] = [];
    let server: WranglerDevServer | undefined;
    let meter: WorkerdCpuMeter | undefined;
    let agree = 0;
    let answered = 0;
    try {
      for (let i = 0; i < coldRuns; i++) {
        await server?.stop();
        server = await startWranglerDev(project);
        const live = server;
        meter = new WorkerdCpuMeter(await workerdPids(live.child.pid ?? -1));
        startupCpu.push(await meter.totalMs());
        cold.push(await meter.measure(() => classify(live.base, pngs[0] as Uint8Array)));
      }
      const live = server as WranglerDevServer;
      const m = meter as WorkerdCpuMeter;
      // Warm-up (and the accuracy check): every image once.
      for (const [i, png] of pngs.entries()) {
        answered++;
        if ((await classify(live.base, png)) === expected[i]) agree++;
      }
      await m.calibrateIdle(1000);
      const warm: CpuSample[] = [];
      for (let i = 0; i < requests; i++) {
        warm.push(await m.measure(() => classify(live.base, pngs[i % pngs.length] as Uint8Array)));
      }
      const cpu = summarize(warm.map((s) => s.cpuMs));
      const wall = summarize(warm.map((s) => s.wallMs));
      results.push({
        runtime,
        precision,
        modelFile: packaged.modelFile.path,
        uploadBytes: size.bytes,
        uploadGzipBytes: size.gzipBytes,
        runtimeBytes,
        runtimeGzipBytes: runtimeGzip,
        startupCpuMs: startupCpu.map((x) => round(x, 1)),
        coldCpuMs: cold.map((s) => round(s.cpuMs, 1)),
        coldWallMs: cold.map((s) => round(s.wallMs, 1)),
        warmCpuMs: { p50: round(cpu.p50), p99: round(cpu.p99) },
        warmWallMs: { p50: round(wall.p50), p99: round(wall.p99) },
        top1AsOrtNode: `${agree}/${answered}`,
      });
      console.log(JSON.stringify(results.at(-1)));
    } finally {
      await server?.stop();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const table = markdownTable(
  [
    'runtime',
    'upload raw / gzip',
    'runtime code raw / gzip',
    'cold request CPU ms (each fresh workerd)',
    'cold wall ms',
    'warm CPU p50 / p99 ms',
    'warm wall p50 / p99 ms',
    'top-1 as ort-node',
  ],
  results.map((r) => [
    `${r.runtime} (${r.modelFile})`,
    `${kib(r.uploadBytes)} / ${kib(r.uploadGzipBytes)}`,
    `${kib(r.runtimeBytes)} / ${kib(r.runtimeGzipBytes)}`,
    r.coldCpuMs.join(', '),
    r.coldWallMs.join(', '),
    `${r.warmCpuMs.p50} / ${r.warmCpuMs.p99}`,
    `${r.warmWallMs.p50} / ${r.warmWallMs.p99}`,
    r.top1AsOrtNode,
  ]),
);
const header = `# Worker: edgeml-wasm vs ort-web (${pkg.manifest.name}, ${precision})\n\nworkerd via wrangler ${findWrangler().version} dev; CPU from /proc (idle baseline subtracted); ${coldRuns} cold starts, ${requests} warm requests.\n\n`;
const outDir = resolve(values.out);
await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, 'worker-runtimes.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(join(outDir, 'worker-runtimes.md'), `${header}${table}\n`);
console.log(`${header}${table}`);
