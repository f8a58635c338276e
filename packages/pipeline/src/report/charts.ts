/**
 * The pipeline report's charts as Vega-Lite specs, rendered to static SVG by @edgeml/bench's
 * renderChart: accuracy against ONNX size and against bench latency per target (each with its
 * Pareto front), and the teacher's training curves. Every number plotted is a number of the
 * report's tables (the stage's own accuracy, the bench median per target, the curve's epochs),
 * written in the tooltips as the tables write it.
 */
import { accuracyDomain, renderChart, type TopLevelSpec } from '@edgeml/bench';
import type { PipelineReport } from './collect.js';

/** As the models table writes an accuracy: a percentage with 2 decimals. */
export const tablePercent = (v: number): string => `${(v * 100).toFixed(2)}%`;
/** As the models table writes a latency: ms with 3 decimals. */
export const tableMs = (v: number): string => v.toFixed(3);

/** The shared x (log cost) and y (accuracy) of a scatter and its front line. */
const axes = (accuracies: readonly number[], x: string, xFormat?: string) => ({
  x: {
    field: 'cost',
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    title: x,
    ...(xFormat === undefined ? {} : { axis: { format: xFormat } }),
  },
  y: {
    field: 'accuracy',
    type: 'quantitative' as const,
    scale: { domain: accuracyDomain(accuracies), nice: false },
    axis: { format: '%' },
    title: 'accuracy',
  },
});

/** Points joined, in cost order, by a dashed line named in the legend as the Pareto front. */
function frontLayer(points: readonly { cost: number; accuracy: number }[], name: string) {
  return {
    name: 'front',
    data: { values: [...points].sort((a, b) => a.cost - b.cost) },
    mark: { type: 'line' as const, color: '#555', strokeWidth: 1.5, aria: false },
    // A legend of its own, whose symbol is the dashed line itself.
    encoding: { strokeDash: { datum: name, scale: { range: [[5, 3]] }, title: null } },
  };
}

/** Accuracy against ONNX bytes (log), one point per model, its Pareto front dashed. */
export function paretoSizeSpec(report: PipelineReport): TopLevelSpec | undefined {
  const rows = report.models
    .filter((m) => Number.isFinite(m.onnxBytes) && Number.isFinite(m.accuracy))
    .map((m) => ({
      stage: m.stage,
      cost: m.onnxBytes,
      accuracy: m.accuracy,
      front: report.pareto.size.includes(m.stage),
      tip: `${m.stage} (${m.model}, ${m.precision}): ${m.onnxBytes} ONNX bytes, accuracy ${tablePercent(m.accuracy)}${report.pareto.size.includes(m.stage) ? ', on the Pareto front' : ''}`,
    }));
  if (rows.length === 0) return undefined;
  const x = 'ONNX file size (bytes, log scale)';
  const stages = rows.map((r) => r.stage);
  return {
    title: "Accuracy (each stage's own test measurement) vs ONNX size; dashed: the Pareto front",
    width: 520,
    height: 300,
    encoding: {
      ...axes(
        rows.map((r) => r.accuracy),
        x,
        '~s',
      ),
      color: { scale: { domain: stages }, title: 'stage' },
    },
    layer: [
      frontLayer(
        rows.filter((r) => r.front),
        'Pareto front',
      ),
      {
        name: 'point',
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 110, opacity: 0.85 },
        encoding: { color: { field: 'stage', type: 'nominal' }, description: { field: 'tip' } },
      },
    ],
  };
}

/** Accuracy against bench median end-to-end latency, one point per model and target. */
export function latencySpec(report: PipelineReport): TopLevelSpec | undefined {
  const rows = report.models.flatMap((m) =>
    Object.entries(m.latencyMs)
      .filter(([, v]) => Number.isFinite(v) && Number.isFinite(m.accuracy))
      .map(([target, v]) => ({
        stage: m.stage,
        target,
        cost: Math.max(v, 1e-3),
        accuracy: m.accuracy,
        tip: `${m.stage} (${m.model}, ${m.precision}) on ${target}: ${tableMs(v)} ms, accuracy ${tablePercent(m.accuracy)}`,
      })),
  );
  if (rows.length === 0) return undefined;
  const target = report.pareto.latencyTarget;
  const frontName = `Pareto front (${target})`;
  const front = rows.filter((r) => r.target === target && report.pareto.latency.includes(r.stage));
  const x = 'bench median end-to-end latency, batch 1 (ms, log scale)';
  const stages = [...new Set(rows.map((r) => r.stage))];
  return {
    title: `Accuracy (each stage's own test measurement) vs latency per bench target; dashed: the Pareto front on ${target}`,
    width: 520,
    height: 300,
    encoding: {
      ...axes(
        rows.map((r) => r.accuracy),
        x,
      ),
      color: { scale: { domain: stages }, title: 'stage' },
    },
    layer: [
      ...(front.length > 0 ? [frontLayer(front, frontName)] : []),
      {
        name: 'point',
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 110, opacity: 0.85 },
        encoding: {
          color: { field: 'stage', type: 'nominal' },
          shape: {
            field: 'target',
            type: 'nominal',
            title: 'target',
            sort: [...new Set(rows.map((r) => r.target))].sort(),
          },
          description: { field: 'tip' },
        },
      },
    ],
  };
}

/** The teacher's accuracy and loss per epoch, train and validation, side by side. */
export function curvesSpec(report: PipelineReport): TopLevelSpec | undefined {
  type Row = { epoch: number; series: string; value: number; tip: string };
  const rows: Row[] = report.curves.flatMap((e) => {
    const out: Row[] = [];
    const add = (series: string, value: number | null, text: (v: number) => string) => {
      if (value !== null && Number.isFinite(value))
        out.push({ epoch: e.epoch, series, value, tip: `epoch ${e.epoch}: ${series} ${text(value)}` });
    };
    add('train accuracy', e.accuracy, tablePercent);
    add('val accuracy', e.valAccuracy, tablePercent);
    add('train loss', e.loss, (v) => v.toFixed(4));
    add('val loss', e.valLoss, (v) => v.toFixed(4));
    return out;
  });
  if (rows.length === 0) return undefined;
  const series = ['train accuracy', 'val accuracy', 'train loss', 'val loss'].filter((s) =>
    rows.some((r) => r.series === s),
  );
  const panel = (kind: 'accuracy' | 'loss') => ({
    name: kind,
    width: 330,
    height: 220,
    transform: [{ filter: { field: 'series', oneOf: series.filter((s) => s.endsWith(kind)) } }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1, format: 'd' } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        // Loss from 0; accuracy zoomed to where the curves are, with a margin.
        scale:
          kind === 'loss'
            ? { zero: true }
            : {
                domain: accuracyDomain(rows.filter((r) => r.series.endsWith('accuracy')).map((r) => r.value)),
                nice: false,
              },
        title: kind,
        ...(kind === 'accuracy' ? { axis: { format: '%' } } : {}),
      },
      color: { field: 'series', type: 'nominal' as const, scale: { domain: series }, title: 'series' },
      description: { field: 'tip' },
    },
  });
  return {
    title: "The teacher's training curves per epoch",
    data: { values: rows },
    hconcat: [panel('accuracy'), panel('loss')],
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}

/** The report's charts as inline SVG, in page order (a chart without data is left out). */
export async function renderPipelineCharts(report: PipelineReport): Promise<string> {
  const charts: [TopLevelSpec | undefined, string][] = [
    [paretoSizeSpec(report), 'pareto'],
    [latencySpec(report), 'latency'],
    [curvesSpec(report), 'curves'],
  ];
  const svgs = await Promise.all(
    charts.flatMap(([spec, name]) => (spec === undefined ? [] : [renderChart(spec, name)])),
  );
  return svgs.join('\n');
}
