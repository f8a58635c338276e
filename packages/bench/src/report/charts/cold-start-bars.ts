/**
 * Cold start as horizontal stacked bars, one per ok case (Vega-Lite): the median of each phase
 * (import, create, ready, first inference) and the rest of the median total (process start, tsx,
 * spawn), with the total written after the bar. Medians as in the cold-start table.
 */
import { ms } from '../tables.js';
import type { OkCase } from '../types.js';
import { caseLabel } from './latency-box-plot.js';
import { PALETTE, renderChart, type TopLevelSpec } from './vega.js';

const PHASES = ['import', 'create', 'ready', 'firstInference'] as const;
const COLOURS: Record<string, string> = {
  import: PALETTE[0],
  create: PALETTE[1],
  ready: PALETTE[5],
  firstInference: PALETTE[2],
  other: '#bbbbbb',
};
const NAMES: Record<string, string> = {
  import: 'import',
  create: 'create',
  ready: 'ready (Worker)',
  firstInference: 'first inference',
  other: 'process start and the rest',
};

/** The lower median (as the cold-start table takes it), undefined for no values. */
function median(values: readonly number[]): number | undefined {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? undefined : s[Math.floor((s.length - 1) / 2)];
}

/** The Vega-Lite spec of the stacked cold-start bars (ms, linear). */
export function coldStartBarsSpec(cases: readonly OkCase[]): TopLevelSpec {
  const segments = cases.flatMap((c) => {
    const label = caseLabel(c);
    const parts: { phase: string; value: number }[] = [];
    for (const phase of PHASES) {
      const value = median(
        c.coldStart.samples.map((s) => s[phase]).filter((v): v is number => v !== undefined),
      );
      if (value !== undefined) parts.push({ phase, value });
    }
    const used = parts.reduce((a, p) => a + p.value, 0);
    parts.push({ phase: 'other', value: Math.max(0, c.coldStart.total.p50 - used) });
    return parts.map((p, order) => ({
      case: label,
      phase: NAMES[p.phase] as string,
      order,
      ms: p.value,
      tip: `${label}: ${NAMES[p.phase]} ${ms(p.value)} ms of ${ms(c.coldStart.total.p50)} ms`,
    }));
  });
  const totals = cases.map((c) => ({
    case: caseLabel(c),
    total: c.coldStart.total.p50,
    text: `${ms(c.coldStart.total.p50)} ms`,
  }));
  const present = Object.keys(NAMES).filter((k) => segments.some((s) => s.phase === NAMES[k]));
  const maxTotal = Math.max(...totals.map((t) => t.total), 1);
  return {
    title: 'Cold start, median of fresh processes (ms)',
    width: 520,
    height: { step: 24 },
    encoding: {
      y: { field: 'case', type: 'nominal', sort: totals.map((t) => t.case), title: null },
    },
    layer: [
      {
        name: 'bar',
        data: { values: segments },
        mark: { type: 'bar', size: 16 },
        encoding: {
          x: {
            field: 'ms',
            type: 'quantitative',
            stack: 'zero',
            title: 'ms',
            // Room after the longest bar for its total.
            scale: { domain: [0, maxTotal * 1.18], nice: false },
          },
          color: {
            field: 'phase',
            type: 'nominal',
            scale: {
              domain: present.map((k) => NAMES[k] as string),
              range: present.map((k) => COLOURS[k] as string),
            },
            title: 'phase',
          },
          order: { field: 'order' },
          description: { field: 'tip' },
        },
      },
      {
        name: 'total',
        data: { values: totals },
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, aria: false },
        encoding: { x: { field: 'total', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  };
}

/** An SVG of stacked cold-start bars (ms, linear). */
export function coldStartBars(cases: readonly OkCase[]): Promise<string> {
  return renderChart(coldStartBarsSpec(cases), 'cold-start');
}
