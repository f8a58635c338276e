/**
 * The search's charts as Vega-Lite specs (rendered to SVG by @edgeml/bench's renderChart, in the
 * style of the pipeline report's charts): accuracy against the speed-up on the target and against
 * the target file's size. Every tried recipe is a point (filled within the accuracy budget, hollow
 * beyond it), the front of the chart's two axes is the dashed line, the chosen model has a ring;
 * each point's title writes the table's numbers.
 */
import { accuracyDomain, renderChart, type TopLevelSpec } from '@edgeml/bench';
import { searchFront } from './front.js';
import type { SearchReport } from './run-search.js';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** A recipe's pruning, short, for the point labels: `s25` structured 25%, `m50` magnitude 50%. */
function pruneTag(recipe: SearchReport['points'][number]['recipe']): string {
  const prune = recipe.prune as { method: string; sparsity: number } | null;
  return prune === null
    ? ''
    : `${prune.method === 'structured' ? 's' : 'm'}${Math.round(prune.sparsity * 100)}`;
}

/**
 * Accuracy against `axis` (speed-up or bytes), every point: colour the student, shape the
 * precision, label the pruning (s25: structured 25%), hollow beyond the accuracy budget; the
 * dashed line is the front of this chart's two axes, the ring the chosen model.
 */
export function searchSpec(r: SearchReport, axis: 'speedup' | 'bytes'): TopLevelSpec | undefined {
  const points = r.points.filter((p) => Number.isFinite(p.accuracy) && Number.isFinite(p[axis] as number));
  const front2d = new Set(searchFront(points, axis === 'speedup' ? 'latency' : 'size'));
  const rows = points.map((p) => {
    const student = String(p.recipe.student);
    const quantize = p.recipe.quantize as string | null;
    return {
      student: student === 'none' ? 'teacher architecture' : student,
      precision: quantize === null ? 'float32' : `int8 ${quantize.toUpperCase()}`,
      prune: pruneTag(p.recipe),
      x: axis === 'speedup' ? p.speedup : p.bytes,
      accuracy: p.accuracy,
      budget: p.withinBudget ? 'within' : 'beyond',
      front: front2d.has(p.id),
      chosen: p.chosen,
      tip: `${p.label}: accuracy ${pct(p.accuracy)} (${p.dropPoints.toFixed(2)} points below the teacher), ${r.target} speed-up ${p.speedup.toFixed(2)}x [${p.low.toFixed(2)}, ${p.high.toFixed(2)}], ${p.bytes} bytes${p.front ? `, on the front (${r.minimize})` : ''}${p.chosen ? ', CHOSEN' : ''}`,
    };
  });
  if (rows.length === 0) return undefined;
  const title =
    axis === 'speedup'
      ? `speed-up against the teacher on ${r.target} (inference-only, batch 1; log scale)`
      : `bytes of the file ${r.target} loads (log scale)`;
  const front = rows.filter((x) => x.front).sort((a, b) => a.x - b.x);
  const students = [...new Set(rows.map((x) => x.student))];
  return {
    title: `Recipes on ${r.target}: accuracy vs ${axis === 'speedup' ? 'speed-up' : 'file size'} (s25: structured 25%, m50: magnitude 50%; ring: chosen)`,
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
              encoding: {
                strokeDash: {
                  datum: `Pareto front (accuracy vs ${axis === 'speedup' ? 'speed-up' : 'size'})`,
                  scale: { range: [[5, 3]] },
                  title: null,
                },
              },
            },
          ]
        : []),
      {
        name: 'point',
        data: { values: rows },
        mark: { type: 'point', size: 120, opacity: 0.9, strokeWidth: 2 },
        encoding: {
          color: { field: 'student', type: 'nominal', title: 'student', scale: { domain: students } },
          shape: {
            field: 'precision',
            type: 'nominal',
            title: 'precision',
            scale: {
              domain: ['float32', 'int8 PTQ', 'int8 QAT'],
              range: ['circle', 'square', 'triangle-up'],
            },
          },
          fill: {
            field: 'budget',
            type: 'nominal',
            title: 'accuracy budget',
            scale: { domain: ['within', 'beyond'], range: ['#999', 'transparent'] },
            legend: { symbolStrokeColor: '#555', symbolStrokeWidth: 1.5 },
          },
          description: { field: 'tip' },
        },
      },
      {
        name: 'label',
        data: { values: rows.filter((x) => x.prune !== '') },
        mark: { type: 'text', dx: 10, align: 'left', fontSize: 10, color: '#333', aria: false },
        encoding: { text: { field: 'prune' } },
      },
      {
        name: 'chosen',
        data: { values: rows.filter((x) => x.chosen) },
        mark: { type: 'point', size: 480, color: '#D55E00', strokeWidth: 2.5, filled: false, aria: false },
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
