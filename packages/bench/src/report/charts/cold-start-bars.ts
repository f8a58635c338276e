/**
 * Cold start as horizontal stacked bars, one per ok case: the median of each phase (import,
 * create, ready, first inference) and the rest of the median total (process start, tsx, spawn).
 */
import type { ColdStartSample, OkCase } from '../types.js';
import { escapeXml } from './svg.js';

const PHASES = [
  ['import', '#0072B2'],
  ['create', '#E69F00'],
  ['ready', '#56B4E9'],
  ['firstInference', '#009E73'],
] as const;

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] as number);
}

/** An SVG of stacked cold-start bars (ms, linear). */
export function coldStartBars(cases: readonly OkCase[]): string {
  const rowH = 24;
  const left = 260;
  const width = 860;
  const right = width - 80;
  const height = 50 + rowH * cases.length + 30;
  const totals = cases.map((c) => c.coldStart.total.p50);
  const max = Math.max(...totals, 1);
  const x = (ms: number) => (ms / max) * (right - left);
  const parts: string[] = [];
  cases.forEach((c, i) => {
    const y = 40 + i * rowH;
    const label = `${c.model} ${c.precision} ${c.target}`;
    let at = left;
    const segments: string[] = [];
    let used = 0;
    for (const [phase, colour] of PHASES) {
      const values = c.coldStart.samples
        .map((s: ColdStartSample) => s[phase])
        .filter((v): v is number => v !== undefined);
      if (values.length === 0) continue;
      const value = median(values);
      used += value;
      const w = x(value);
      segments.push(
        `<rect class="bar-segment" data-phase="${phase}" x="${at.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${colour}"><title>${escapeXml(`${phase}: ${value.toFixed(1)} ms`)}</title></rect>`,
      );
      at += w;
    }
    const rest = Math.max(0, c.coldStart.total.p50 - used);
    segments.push(
      `<rect class="bar-segment" data-phase="other" x="${at.toFixed(1)}" y="${y}" width="${x(rest).toFixed(1)}" height="${rowH - 6}" fill="#bbb"><title>${escapeXml(`process start and the rest: ${rest.toFixed(1)} ms`)}</title></rect>`,
    );
    parts.push(
      `<g class="bar" data-case="${escapeXml(label)}"><text x="${left - 8}" y="${y + 13}" text-anchor="end" font-size="12">${escapeXml(label)}</text>${segments.join('')}`,
      `<text x="${(left + x(c.coldStart.total.p50) + 6).toFixed(1)}" y="${y + 13}" font-size="11">${c.coldStart.total.p50.toFixed(0)} ms</text></g>`,
    );
  });
  const legend = [...PHASES.map(([p, c]) => [p, c] as const), ['other', '#bbb'] as const]
    .map(
      ([p, c], i) =>
        `<rect x="${left + i * 110}" y="${height - 22}" width="10" height="10" fill="${c}"/><text x="${left + 14 + i * 110}" y="${height - 13}" font-size="11">${p}</text>`,
    )
    .join('');
  const title = 'Cold start, median of fresh processes (ms)';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart cold-start" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}"><text x="${left}" y="20" font-size="13" font-weight="bold">${title}</text>${parts.join('')}${legend}</svg>`;
}
