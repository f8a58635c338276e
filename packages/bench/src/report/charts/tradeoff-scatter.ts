/**
 * The accuracy / size / latency trade-off (Vega-Lite): one point per ok case, x = median end-to-end
 * latency (log), y = accuracy on the bench images, area ∝ gzip size of the model file; colour per
 * model and precision, shape per target. x and y are the tables' p50 and accuracy values.
 */
import { ms, percent } from '../tables.js';
import type { OkCase } from '../types.js';
import { caseLabel, caseSeries } from './latency-box-plot.js';
import { renderChart, type TopLevelSpec } from './vega.js';

/**
 * A y domain around the accuracies with a margin (a tenth of their span, at least half a point)
 * so no point sits on the plot's edge, within [0, 1].
 */
export function accuracyDomain(accuracies: readonly number[]): [number, number] {
  const finite = accuracies.filter((a) => Number.isFinite(a));
  if (finite.length === 0) return [0, 1];
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const pad = Math.max(0.005, (max - min) * 0.1);
  return [Math.max(0, min - pad), Math.min(1, max + pad)];
}

/** The Vega-Lite spec of the accuracy-vs-latency scatter. */
export function tradeoffScatterSpec(cases: readonly OkCase[]): TopLevelSpec {
  const rows = cases.map((c) => ({
    case: caseLabel(c),
    series: caseSeries(c),
    target: c.target,
    p50: Math.max(c.latency.endToEnd.p50, 1e-3),
    accuracy: c.accuracy.accuracy,
    gzipBytes: c.file.gzipBytes,
    tip: `${caseLabel(c)}: p50 ${ms(c.latency.endToEnd.p50)} ms, accuracy ${percent(c.accuracy.accuracy)}, ${c.file.gzipBytes} B gzip`,
  }));
  const sizes = [...new Set(rows.map((r) => r.gzipBytes))].sort((a, b) => a - b);
  return {
    title: 'Accuracy vs median end-to-end latency; area = model file gzip size',
    width: 560,
    height: 320,
    data: { values: rows },
    mark: { type: 'point', filled: true, opacity: 0.75, stroke: '#333', strokeWidth: 0.5 },
    name: 'point',
    encoding: {
      x: {
        field: 'p50',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'median end-to-end latency, batch 1 (ms, log scale)',
      },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        scale: { domain: accuracyDomain(rows.map((r) => r.accuracy)), nice: false },
        axis: { format: '%' },
        title: 'accuracy on the bench images',
      },
      color: {
        field: 'series',
        type: 'nominal',
        sort: [...new Set(rows.map((r) => r.series))],
        title: 'model precision',
      },
      shape: {
        field: 'target',
        type: 'nominal',
        sort: [...new Set(rows.map((r) => r.target))],
        title: 'target',
      },
      size: {
        field: 'gzipBytes',
        type: 'quantitative',
        scale: { range: [30, 400], zero: true },
        title: 'gzip bytes',
        // The sizes themselves when few (a generated legend would start at '0k').
        legend: sizes.length <= 4 ? { values: sizes, format: '.3~s' } : { format: '.3~s', tickCount: 4 },
      },
      description: { field: 'tip' },
    },
  };
}

/** An SVG scatter of accuracy against latency, sized by model file gzip bytes. */
export function tradeoffScatter(cases: readonly OkCase[]): Promise<string> {
  return renderChart(tradeoffScatterSpec(cases), 'tradeoff');
}
