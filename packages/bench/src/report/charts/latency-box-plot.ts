/**
 * Latency distributions as horizontal box plots on a log axis, one row per ok case (Vega-Lite):
 * whiskers from min to max, box from p25 to p75, a thick tick at the median and thin ticks at p90
 * and p99; colour per model and precision. The numbers are the report's own (the summary's
 * min/p50/p90/p99/max, p25/p75 by the same R-7 quantile), so chart and tables read the same.
 */
import { quantile } from '../../stats/summary.js';
import { ms } from '../tables.js';
import type { OkCase } from '../types.js';
import { renderChart, type TopLevelSpec } from './vega.js';

/** The label of a case on the charts' axes and in their tooltips. */
export const caseLabel = (c: OkCase): string => `${c.model} ${c.precision} ${c.target}`;

/** The series a case belongs to on the charts (colour): its model and precision. */
export const caseSeries = (c: OkCase): string => `${c.model} ${c.precision}`;

/** Log axes cannot show 0: samples below 1 µs are drawn at 1 µs. */
const FLOOR_MS = 1e-3;

/** The Vega-Lite spec of the box plots for end-to-end (or inference alone) latency. */
export function latencyBoxPlotSpec(
  cases: readonly OkCase[],
  which: 'endToEnd' | 'inference' = 'endToEnd',
): TopLevelSpec {
  const rows = cases
    .filter((c) => c.latency.samples[which].length > 0)
    .map((c) => {
      const s = c.latency[which];
      const samples = c.latency.samples[which];
      const [p25, p75] = [0.25, 0.75].map((q) => quantile(samples, q)) as [number, number];
      const at = (v: number) => Math.max(v, FLOOR_MS);
      return {
        case: caseLabel(c),
        series: caseSeries(c),
        min: at(s.min),
        p25: at(p25),
        p50: at(s.p50),
        p75: at(p75),
        p90: at(s.p90),
        p99: at(s.p99),
        max: at(s.max),
        tip: `${caseLabel(c)}: p50 ${ms(s.p50)} ms, p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, min ${ms(s.min)}, max ${ms(s.max)}, p25-p75 ${ms(p25)}-${ms(p75)} (n ${s.n})`,
      };
    });
  const x = (field: string) => ({ field, type: 'quantitative' as const, scale: { type: 'log' as const } });
  return {
    title:
      which === 'endToEnd'
        ? 'End-to-end latency, batch 1 (ms, log scale): min-max, p25-p75, median; ticks at p90 and p99'
        : 'Inference latency alone, batch 1 (ms, log scale): min-max, p25-p75, median; ticks at p90 and p99',
    width: 520,
    height: { step: 24 },
    data: { values: rows },
    encoding: {
      y: { field: 'case', type: 'nominal', sort: rows.map((r) => r.case), title: null },
      color: {
        field: 'series',
        type: 'nominal',
        sort: [...new Set(rows.map((r) => r.series))],
        title: 'model precision',
      },
      description: { field: 'tip' },
    },
    layer: [
      {
        name: 'whisker',
        mark: { type: 'rule' },
        encoding: { x: { ...x('min'), title: 'ms (log scale)' }, x2: { field: 'max' } },
      },
      {
        name: 'box',
        mark: { type: 'bar', size: 14, fillOpacity: 0.35, strokeWidth: 1 },
        encoding: { x: x('p25'), x2: { field: 'p75' }, stroke: { field: 'series', type: 'nominal' } },
      },
      {
        name: 'median',
        mark: { type: 'tick', size: 14, thickness: 2.5, orient: 'vertical' },
        encoding: { x: x('p50') },
      },
      {
        name: 'p90',
        mark: { type: 'tick', size: 8, thickness: 1, orient: 'vertical' },
        encoding: { x: x('p90') },
      },
      {
        name: 'p99',
        mark: { type: 'tick', size: 8, thickness: 1, strokeDash: [2, 1], orient: 'vertical' },
        encoding: { x: x('p99') },
      },
    ],
  };
}

/** An SVG with one box per case for its end-to-end (or inference) samples. */
export function latencyBoxPlot(
  cases: readonly OkCase[],
  which: 'endToEnd' | 'inference' = 'endToEnd',
): Promise<string> {
  return renderChart(latencyBoxPlotSpec(cases, which), `latency-${which}`);
}
