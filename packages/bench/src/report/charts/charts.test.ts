import { describe, expect, it } from 'vitest';
import { summarize } from '../../stats/summary.js';
import { renderHtml } from '../html.js';
import { ms, percent, reportTables } from '../tables.js';
import type { BenchReport, OkCase } from '../types.js';
import { coldStartBars } from './cold-start-bars.js';
import { caseLabel, latencyBoxPlot } from './latency-box-plot.js';
import { type ChartReading, overlappingTexts, readChart, valueAt } from './read-chart.js';
import { tradeoffScatter } from './tradeoff-scatter.js';

/** A fixed ok case: latency samples spread around `base` ms, a given accuracy and gzip size. */
function okCase(
  model: string,
  precision: 'float32' | 'int8',
  target: string,
  base: number,
  accuracy: number,
): OkCase {
  const endToEnd = [1, 1.1, 1.2, 1.5, 2, 3.5].map((f) => base * f);
  const inference = endToEnd.map((v) => v / 2);
  const worker = target === 'worker';
  const total = base * 300 + (worker ? 1200 : 0);
  return {
    model,
    precision,
    target,
    status: 'ok',
    backend: `${target} backend`,
    file: { path: 'model.onnx', bytes: 4000, gzipBytes: precision === 'int8' ? 1200 : 3600 },
    coldStart: {
      samples: [
        { import: base * 100, create: 30, ...(worker ? { ready: 900 } : {}), firstInference: 5, total },
      ],
      total: summarize([total]),
    },
    latency: {
      warmupIterations: 2,
      samples: {
        endToEnd,
        inference,
        decode: endToEnd.map(() => 0.01),
        preprocess: endToEnd.map(() => 0.02),
      },
      endToEnd: summarize(endToEnd),
      inference: summarize(inference),
    },
    throughput: { sequentialImagesPerSecond: 100, batches: [] },
    memory: { source: 'node process', rssPeakBytes: 100 << 20 },
    accuracy: { images: 10_000, correct: Math.round(accuracy * 10_000), accuracy, predictions: [] },
  };
}

const TARGETS = ['ort-node', 'ort-web', 'tfjs-tflite', 'worker'];
const cases: OkCase[] = ['fashion-teacher', 'fashion-student'].flatMap((model, m) =>
  (['float32', 'int8'] as const).flatMap((precision, p) =>
    TARGETS.map((target, t) =>
      okCase(
        model,
        precision,
        target,
        (m === 0 ? 1 : 0.3) * (1 + t) * (p ? 0.7 : 1),
        [0.9039, 0.8812][m]! - p * 0.0031,
      ),
    ),
  ),
);

function report(): BenchReport {
  return {
    reportVersion: 1,
    createdAt: new Date(0).toISOString(),
    durationMs: 1000,
    settings: {
      coldStarts: 1,
      warmupIterations: 2,
      minIterations: 3,
      maxIterations: 10,
      timeMs: 0,
      batchSizes: [1],
      concurrency: [1],
      concurrencyRequests: 5,
      concurrencyTimeMs: 100,
    },
    environment: {
      cpuModel: 'cpu',
      cores: 2,
      loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
      totalMemoryBytes: 1 << 30,
      platform: 'linux',
      arch: 'x64',
      versions: {},
      wasm: {},
    },
    images: { dataset: 'fashion-mnist', split: 'test', selection: 'all', indices: [], labels: [] },
    models: [],
    cases,
  };
}

/** The summary table's cell of `header` for a case. */
function cell(c: OkCase, header: string): string {
  const [summary] = reportTables(report());
  const col = summary!.header.indexOf(header);
  const row = summary!.rows.find((r) => r[0] === c.model && r[1] === c.precision && r[2] === c.target);
  expect(col).toBeGreaterThanOrEqual(0);
  return row![col]!;
}

function expectReadable(chart: ChartReading): void {
  expect(overlappingTexts(chart.texts)).toEqual([]);
  // Legend rows at least 1.25 × their font size apart, room for fonts with a tall line box (Open
  // Sans: 1.36 ×); vega's default put the 11 px labels 13 px apart.
  const labels = chart.texts.filter((t) => t.role === 'role-legend-label');
  labels.slice(1).forEach((b, i) => {
    const a = labels[i]!;
    const size = (a.box.y2 - a.box.y1) / 0.9;
    if (a.box.x1 === b.box.x1 && b.box.y1 > a.box.y1) {
      expect({ rows: [a.text, b.text], apart: b.box.y1 - a.box.y1 >= 1.25 * size }).toEqual({
        rows: [a.text, b.text],
        apart: true,
      });
    }
  });
}

const series = [...new Set(cases.map((c) => `${c.model} ${c.precision}`))];

describe('report charts (Vega-Lite, rendered to static SVG)', () => {
  it('the trade-off scatter: one titled point per case, legend names every model/precision and target, positions read back as the table', async () => {
    const svg = await tradeoffScatter(cases);
    expect(svg).toMatch(/^<svg [^>]*class="chart tradeoff"/);
    const chart = readChart(svg);
    expectReadable(chart);
    for (const s of series) expect(chart.legendLabels).toContain(s);
    for (const t of TARGETS) expect(chart.legendLabels).toContain(t);
    const points = chart.items.filter((i) => i.mark === 'point');
    expect(points).toHaveLength(cases.length);
    const x = chart.axes.find((a) => a.orient === 'x')!;
    const y = chart.axes.find((a) => a.orient === 'y')!;
    for (const c of cases) {
      const point = points.find((p) => p.title.startsWith(`${caseLabel(c)}:`))!;
      // The hover title writes the table's own cells ...
      expect(point.title).toContain(`p50 ${cell(c, 'p50')} ms`);
      expect(point.title).toContain(`accuracy ${cell(c, 'accuracy')}`);
      // ... and the point sits where the axes say those numbers are (within a pixel or so).
      expect(valueAt(y, point.y)).toBeCloseTo(c.accuracy.accuracy, 3);
      expect(Math.log10(valueAt(x, point.x, 'log'))).toBeCloseTo(Math.log10(c.latency.endToEnd.p50), 2);
    }
  });

  it('the latency box plots: one row per case in table order, medians where the axis puts the p50', async () => {
    for (const which of ['endToEnd', 'inference'] as const) {
      const svg = await latencyBoxPlot(cases, which);
      const chart = readChart(svg);
      expectReadable(chart);
      for (const s of series) expect(chart.legendLabels).toContain(s);
      const y = chart.axes.find((a) => a.orient === 'y')!;
      expect(y.ticks.map((t) => t.label)).toEqual(cases.map(caseLabel));
      const x = chart.axes.find((a) => a.orient === 'x')!;
      const medians = chart.items.filter((i) => i.mark === 'median');
      expect(medians).toHaveLength(cases.length);
      expect(chart.items.filter((i) => i.mark === 'box')).toHaveLength(cases.length);
      for (const c of cases) {
        const median = medians.find((m) => m.title.startsWith(`${caseLabel(c)}:`))!;
        expect(median.title).toContain(`p50 ${ms(c.latency[which].p50)} ms`);
        // The tick is 2.5 px wide: its centre is the median.
        expect(Math.log10(valueAt(x, median.x + 1.25, 'log'))).toBeCloseTo(
          Math.log10(c.latency[which].p50),
          2,
        );
      }
    }
  });

  it('the cold-start bars: a legend entry per phase present, totals as in the table', async () => {
    const chart = readChart(await coldStartBars(cases));
    expectReadable(chart);
    expect(chart.legendLabels).toEqual([
      'import',
      'create',
      'ready (Worker)',
      'first inference',
      'process start and the rest',
    ]);
    const totals = chart.texts.filter((t) => t.text.endsWith(' ms')).map((t) => t.text);
    expect(totals).toEqual(cases.map((c) => `${cell(c, 'cold start p50')} ms`));
    expect(chart.items.filter((i) => i.mark === 'bar')).toHaveLength(
      cases.length * 4 + cases.filter((c) => c.target === 'worker').length,
    );
    // Without a Worker case, no 'ready' entry names a phase that is not there.
    const noWorker = readChart(await coldStartBars(cases.filter((c) => c.target !== 'worker')));
    expect(noWorker.legendLabels).not.toContain('ready (Worker)');
  });

  it('renders the same SVG for the same data, with nothing fetched or scripted', async () => {
    const [a, b] = [await renderHtml(report()), await renderHtml(report())];
    expect(a).toBe(b);
    expect(a).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const svgs = a.match(/<svg .*?<\/svg>/gs) ?? [];
    expect(svgs).toHaveLength(4);
    for (const svg of svgs) expect(() => readChart(svg)).not.toThrow();
    expect(percent(cases[0]!.accuracy.accuracy)).toBe('90.39%');
  });

  it('readChart refuses SVG that is not well-formed', () => {
    expect(() => readChart('<svg><g></svg>')).toThrow(/not well-formed/);
    expect(() => readChart('<svg><text>a & b</text></svg>')).toThrow(/bare '&'/);
    expect(() => readChart('<svg a="1" a="2"></svg>')).toThrow(/twice/);
  });
});
