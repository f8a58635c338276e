// The bench's Worker row on a real (seeded cnn-tiny) model package in workerd (`wrangler dev`),
// with a short load test (`workerLoadSeconds`): the row carries workerd's CPU time per request
// (cold and warm) and the load figures (good phase, then one request in four hostile, every good
// answer checked against onnxruntime-node, the isolate's heap read through the inspector), the
// report validates against its schema, and report.md / report.html show both tables with the
// case's numbers. On Node 20 the inspector is read from a child node given
// --experimental-websocket, so this runs without the flag.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OkCase, runBench, validateReport, writeBenchReport } from '@edgeml/bench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixturePackage } from './support/fashion-fixture.js';

const SHORT = {
  images: 24,
  coldStarts: 1,
  warmupIterations: 3,
  minIterations: 10,
  maxIterations: 30,
  timeMs: 100,
  concurrency: [2],
  concurrencyRequests: 10,
  concurrencyTimeMs: 2000,
  workerLoadSeconds: 4,
  workerLoadClients: 4,
} as const;

/** The report's number format (3 significant digits under 100). */
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const cell = (text: string) =>
  `<td>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</td>`;

describe('edgeml bench: the Worker row with CPU time and a load test', () => {
  let dir: string;
  let pkgDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-bench-load-'));
    pkgDir = await writeFixturePackage(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores cold/warm CPU ms and the load figures in the worker case; report.md and report.html show them', async () => {
    const report = await runBench({
      models: [pkgDir],
      targets: ['worker'],
      precisions: ['float32'],
      ...SHORT,
    });
    const files = await writeBenchReport(report, join(dir, 'report'));
    const json = validateReport(JSON.parse(await readFile(files.json, 'utf8')));
    expect(json.settings).toMatchObject({ workerLoadSeconds: 4, workerLoadClients: 4 });
    const row = json.cases[0];
    expect({ status: row?.status, why: row?.status === 'errored' ? row.message : '' }).toEqual({
      status: 'ok',
      why: '',
    });
    const worker = row as OkCase;

    // CPU per request: cold (each fresh workerd's first classification) and warm p50/p99.
    const cpu = worker.cpu;
    expect(cpu).toBeDefined();
    if (!cpu) return;
    expect(cpu.coldMs).toHaveLength(SHORT.coldStarts);
    for (const v of [...cpu.coldMs, cpu.warm.p50, cpu.warm.p99]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(cpu.warm.p99).toBeGreaterThanOrEqual(cpu.warm.p50);

    // The load test: both phases ran, nothing failed, every good answer was right.
    const load = worker.load;
    expect(load).toBeDefined();
    if (!load) return;
    expect(load.clients).toBe(4);
    expect(load.phases.map((p) => p.phase)).toEqual(['good', 'mixed (1 in 4 hostile)']);
    for (const p of load.phases) {
      expect({ phase: p.phase, errors: p.errors, wrong: p.wrong, samples: p.errorSamples }).toEqual({
        phase: p.phase,
        errors: 0,
        wrong: 0,
        samples: [],
      });
      expect(p.requests).toBeGreaterThan(0);
      expect(p.good).toBeGreaterThan(0);
      expect(p.requestsPerSecond).toBeGreaterThan(0);
      expect(p.latency.p99).toBeGreaterThanOrEqual(p.latency.p50);
    }
    const [good, mixed] = load.phases;
    expect(good?.hostile).toBe(0);
    expect(mixed?.hostile).toBeGreaterThan(0);
    // No API key on the bench's Worker: six hostile kinds, no wrong-key request.
    expect(load.hostileRequests.map((h) => h.status)).toEqual([413, 400, 400, 413, 415, 400]);
    // The isolate's heap was read (through a child node on Node 20) at all three points.
    expect(load.growthMeasure).toBe('isolate heap + backing stores');
    expect(load.isolateHeap).toHaveLength(3);
    for (const h of load.isolateHeap) expect(h?.usedBytes).toBeGreaterThan(0);
    expect(load.withinBound).toBe(true);

    // Both tables, with this case's numbers, in report.md and report.html.
    const md = await readFile(files.markdown, 'utf8');
    const html = await readFile(files.html, 'utf8');
    expect(md).toContain('## Worker CPU time per request');
    expect(md).toContain('## Worker under load');
    expect(html).toContain('<h2>Worker CPU time per request');
    expect(html).toContain('<h2>Worker under load');
    const section = (title: string) => {
      const start = html.indexOf(`<h2>${title}`);
      return html.slice(start, html.indexOf('</table>', start));
    };
    const cpuHtml = section('Worker CPU time per request');
    expect(cpuHtml).toContain(cell(fmt(cpu.coldMs[0] as number)));
    expect(cpuHtml).toContain(cell(fmt(cpu.warm.p50)));
    expect(cpuHtml).toContain(cell(fmt(cpu.warm.p99)));
    const loadHtml = section('Worker under load');
    for (const p of load.phases) {
      expect(loadHtml).toContain(cell(p.phase));
      expect(loadHtml).toContain(cell(`${p.requests} (${p.good}/${p.hostile})`));
      expect(loadHtml).toContain(cell(fmt(p.latency.p50)));
      expect(loadHtml).toContain(cell(fmt(p.latency.p99)));
    }
    expect(loadHtml).toMatch(/of 32\.0 MiB: within/);
  }, 600_000);
});
