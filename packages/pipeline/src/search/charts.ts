/**
 * The search's charts as Vega-Lite specs (rendered to SVG by @edgeml/bench's renderChart, in the
 * style of the pipeline report's charts): accuracy against the speed-up on the target and against
 * the target file's size. Every tried recipe is a point (filled within the accuracy budget, hollow
 * beyond it), the front is the dashed line, the chosen model has a ring; each point's title writes
 * the table's numbers.
 */
import { accuracyDomain, renderChart, type TopLevelSpec } from '@edgeml/bench';
import type { SearchReport } from './run-search.js';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** Accuracy against `axis` (speed-up or bytes), every point, the front dashed, the chosen ringed. */
export function searchSpec(r: SearchReport, axis: 'speedup' | 'bytes'): TopLevelSpec | undefined {
  const rows = r.points
    .filter((p) => Number.isFinite(p.accuracy) && Number.isFinite(p[axis] as number))
    .map((p) => ({
      recipe: p.label,
      x: axis === 'speedup' ? p.speedup : p.bytes,
      accuracy: p.accuracy,
      budget: p.withinBudget ? 'within the accuracy budget' : 'beyond the accuracy budget',
      front: p.front,
      chosen: p.chosen,
      tip: `${p.label}: accuracy ${pct(p.accuracy)} (${p.dropPoints.toFixed(2)} points below the teacher), ${r.target} speed-up ${p.speedup.toFixed(2)}x [${p.low.toFixed(2)}, ${p.high.toFixed(2)}], ${p.bytes} bytes${p.front ? ', on the front' : ''}${p.chosen ? ', CHOSEN' : ''}`,
    }));
  if (rows.length === 0) return undefined;
  const title =
    axis === 'speedup'
      ? `speed-up against the teacher on ${r.target} (inference-only, batch 1; log scale)`
      : `bytes of the file ${r.target} loads (log scale)`;
  const front = rows.filter((x) => x.front).sort((a, b) => a.x - b.x);
  return {
    title: `Recipe search on ${r.target}: accuracy vs ${axis === 'speedup' ? 'speed-up' : 'file size'}; dashed: the Pareto front (${r.minimize}); ring: the chosen model`,
    width: 520,
    height: 300,
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        scale: { type: 'log' },
        title,
        ...(axis === 'bytes' ? { axis: { format: '~s' } } : {}),
      },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        scale: { domain: accuracyDomain(rows.map((x) => x.accuracy)), nice: false },
        axis: { format: '%' },
        title: 'accuracy',
      },
    },
    layer: [
      ...(front.length > 1
        ? [
            {
              name: 'front',
              data: { values: front },
              mark: { type: 'line' as const, color: '#555', strokeWidth: 1.5, aria: false },
              encoding: { strokeDash: { datum: 'Pareto front', scale: { range: [[5, 3]] }, title: null } },
            },
          ]
        : []),
      {
        name: 'point',
        data: { values: rows },
        mark: { type: 'point', size: 110, opacity: 0.9, strokeWidth: 2 },
        encoding: {
          color: { field: 'recipe', type: 'nominal', title: 'recipe' },
          fill: {
            field: 'budget',
            type: 'nominal',
            title: 'accuracy budget',
            scale: {
              domain: ['within the accuracy budget', 'beyond the accuracy budget'],
              range: ['#777', 'transparent'],
            },
          },
          description: { field: 'tip' },
        },
      },
      {
        name: 'chosen',
        data: { values: rows.filter((x) => x.chosen) },
        mark: { type: 'point', size: 420, color: '#D55E00', strokeWidth: 2.5, filled: false, aria: false },
      },
    ],
  } as TopLevelSpec;
}

/** Both charts as inline SVG. */
export async function renderSearchCharts(r: SearchReport): Promise<string> {
  const specs: [TopLevelSpec | undefined, string][] = [
    [searchSpec(r, 'speedup'), 'search-speedup'],
    [searchSpec(r, 'bytes'), 'search-size'],
  ];
  const svgs = await Promise.all(specs.flatMap(([s, n]) => (s === undefined ? [] : [renderChart(s, n)])));
  return svgs.join('\n');
}
