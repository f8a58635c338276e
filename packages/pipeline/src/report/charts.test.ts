import { type ChartReading, overlappingTexts, readChart, valueAt } from '@edgeml/bench';
import { describe, expect, it } from 'vitest';
import type { ModelRow, PipelineReport } from './collect.js';
import { renderPipelineHtml } from './render-html.js';

const row = (
  stage: string,
  model: string,
  precision: string,
  onnxBytes: number,
  accuracy: number,
  latencyMs: Record<string, number>,
): ModelRow => ({
  stage,
  model,
  precision,
  params: 1000,
  nonzeroParams: 900,
  macs: 5000,
  onnxBytes,
  accuracy,
  // The bench's own accuracy on its image subset differs from the stage's: the charts must not use it.
  benchAccuracy: Object.fromEntries(Object.keys(latencyMs).map((t) => [t, accuracy + 0.01])),
  latencyMs,
});

function fixture(): PipelineReport {
  return {
    createdAt: '2026-12-01T00:00:00.000Z',
    gates: [],
    final: 'quantize',
    deployment: null,
    stages: [{ stage: 'train', key: 'a'.repeat(64), durationS: 10, reused: false }],
    models: [
      row('train', 'cnn-small', 'float32', 420_000, 0.9039, {
        'ort-node': 0.512,
        'ort-web': 1.23,
        'tfjs-tflite': 2.5,
      }),
      row('distill', 'cnn-tiny', 'float32', 52_000, 0.8812, {
        'ort-node': 0.21,
        'ort-web': 0.61,
        'tfjs-tflite': 1.1,
      }),
      row('prune', 'cnn-tiny magnitude 0.5', 'float32', 51_000, 0.8805, {
        'ort-node': 0.205,
        'ort-web': 0.6,
      }),
      row('quantize', 'cnn-tiny magnitude 0.5 int8', 'int8', 16_000, 0.8791, {
        'ort-node': 0.3,
        'ort-web': 0.9,
      }),
    ],
    pareto: {
      size: ['quantize', 'prune', 'distill', 'train'],
      latency: ['prune', 'train'],
      latencyTarget: 'ort-node',
    },
    passes: [],
    curves: [1, 2, 3].map((epoch) => ({
      epoch,
      loss: 1 / epoch,
      accuracy: 0.7 + epoch * 0.04,
      valLoss: 1.1 / epoch,
      valAccuracy: 0.68 + epoch * 0.04,
    })),
  };
}

/** The models table of the page as header → cell, per stage. */
function modelsTable(html: string): Map<string, Record<string, string>> {
  const cells = (tr: string, tag: string) =>
    [...tr.matchAll(new RegExp(`<${tag}>(.*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
  const table = [...html.matchAll(/<table>(.*?)<\/table>/gs)]
    .map((m) => m[1] ?? '')
    .find((t) => t.includes('<th>ONNX bytes</th>') && t.includes('<th>accuracy</th>'));
  expect(table).toBeDefined();
  const [head, ...rows] = [...(table ?? '').matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => m[1] ?? '');
  const header = cells(head ?? '', 'th');
  return new Map(
    rows.map((r) => {
      const values = cells(r, 'td');
      return [values[0] ?? '', Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']))];
    }),
  );
}

async function render(report = fixture()) {
  const html = await renderPipelineHtml(report);
  const svgs = html.match(/<svg .*?<\/svg>/gs) ?? [];
  const chart = (name: string): ChartReading => {
    const svg = svgs.find(
      (s) => s.startsWith('<svg') && new RegExp(`^<svg [^>]*class="chart ${name}"`).test(s),
    );
    expect(svg, `chart '${name}'`).toBeDefined();
    return readChart(svg ?? '');
  };
  return { html, svgs, chart, table: modelsTable(html) };
}

describe('pipeline report charts', () => {
  it('draws three well-formed SVG charts inline, with nothing fetched or scripted, the same each time', async () => {
    const a = await render();
    expect(a.svgs).toHaveLength(3);
    expect(a.html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    for (const svg of a.svgs) {
      const chart = readChart(svg);
      expect(overlappingTexts(chart.texts)).toEqual([]);
    }
    expect((await render()).html).toBe(a.html);
  });

  it('accuracy vs ONNX size: the legend names every stage and the front; points read back as the models table', async () => {
    const { chart, table } = await render();
    const pareto = chart('pareto');
    expect([...pareto.legendLabels].sort()).toEqual([
      'Pareto front',
      'distill',
      'prune',
      'quantize',
      'train',
    ]);
    const x = pareto.axes.find((a) => a.orient === 'x')!;
    const y = pareto.axes.find((a) => a.orient === 'y')!;
    const points = pareto.items.filter((i) => i.mark === 'point');
    expect(points).toHaveLength(4);
    for (const m of fixture().models) {
      const cells = table.get(m.stage)!;
      const point = points.find((p) => p.title.startsWith(`${m.stage} (`))!;
      expect(point.title).toContain(`accuracy ${cells.accuracy}`);
      expect(point.title).toContain(`${cells['ONNX bytes']} ONNX bytes`);
      expect(valueAt(y, point.y)).toBeCloseTo(m.accuracy, 3);
      expect(Math.log10(valueAt(x, point.x, 'log'))).toBeCloseTo(Math.log10(m.onnxBytes), 2);
    }
    // The issue's case: the teacher is drawn at the table's 90.39%, not at the bench subset's 91.39%.
    const teacher = points.find((p) => p.title.startsWith('train ('))!;
    expect(table.get('train')!.accuracy).toBe('90.39%');
    expect(teacher.title).toContain('90.39%');
    expect(valueAt(y, teacher.y)).toBeCloseTo(0.9039, 3);
  });

  it('accuracy vs latency: a point per model and target at the table latency and accuracy; the legend names stages, targets and the front', async () => {
    const { chart, table } = await render();
    const latency = chart('latency');
    for (const s of [
      'train',
      'distill',
      'prune',
      'quantize',
      'Pareto front (ort-node)',
      'ort-node',
      'ort-web',
      'tfjs-tflite',
    ])
      expect(latency.legendLabels).toContain(s);
    const x = latency.axes.find((a) => a.orient === 'x')!;
    const y = latency.axes.find((a) => a.orient === 'y')!;
    const points = latency.items.filter((i) => i.mark === 'point');
    const expected = fixture().models.flatMap((m) => Object.keys(m.latencyMs).map((t) => [m, t] as const));
    expect(points).toHaveLength(expected.length);
    for (const [m, target] of expected) {
      const cells = table.get(m.stage)!;
      const point = points.find(
        (p) => p.title.startsWith(`${m.stage} (`) && p.title.includes(` on ${target}:`),
      )!;
      expect(point.title).toContain(`${cells[`${target} ms`]} ms`);
      expect(point.title).toContain(`accuracy ${cells.accuracy}`);
      expect(valueAt(y, point.y)).toBeCloseTo(m.accuracy, 3);
      expect(Math.log10(valueAt(x, point.x, 'log'))).toBeCloseTo(Math.log10(m.latencyMs[target]!), 2);
    }
  });

  it('training curves: the legend names each series that has values', async () => {
    const { chart } = await render();
    expect(chart('curves').legendLabels).toEqual([
      'train accuracy',
      'val accuracy',
      'train loss',
      'val loss',
    ]);
    const noVal = fixture();
    noVal.curves = noVal.curves.map((c) => ({ ...c, valLoss: null, valAccuracy: null }));
    expect((await render(noVal)).chart('curves').legendLabels).toEqual(['train accuracy', 'train loss']);
  });
});
