/**
 * Latency distributions as horizontal box plots on a log axis, one per ok case: whiskers from min
 * to max, box from p25 to p75, a line at the median and ticks at p90 and p99.
 */
import { quantile } from '../../stats/summary.js';
import type { OkCase } from '../types.js';
import { escapeXml, logScale, PALETTE, tickLabel } from './svg.js';

/** An SVG with one box per case for its end-to-end (or inference) samples. */
export function latencyBoxPlot(
  cases: readonly OkCase[],
  which: 'endToEnd' | 'inference' = 'endToEnd',
): string {
  const rowH = 26;
  const left = 260;
  const width = 860;
  const right = width - 20;
  const height = 40 + rowH * cases.length + 30;
  const all = cases.flatMap((c) => c.latency.samples[which]);
  const x = logScale(all, left, right);
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = x(t).toFixed(1);
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="30" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${px}" y="${height - 12}" text-anchor="middle" font-size="11">${tickLabel(t)}</text>`,
    );
  }
  cases.forEach((c, i) => {
    const samples = c.latency.samples[which];
    if (samples.length === 0) return;
    const y = 40 + i * rowH;
    const mid = y + rowH / 2 - 3;
    const [min, q1, med, q3, p90, p99, max] = [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1].map((q) =>
      x(quantile(samples, q)),
    );
    const colour = PALETTE[i % PALETTE.length];
    const label = `${c.model} ${c.precision} ${c.target}`;
    parts.push(
      `<g class="box" data-case="${escapeXml(label)}">`,
      `<title>${escapeXml(`${label}: p50 ${quantile(samples, 0.5).toFixed(3)} ms, n ${samples.length}`)}</title>`,
      `<text x="${left - 8}" y="${mid + 4}" text-anchor="end" font-size="12">${escapeXml(label)}</text>`,
      `<line x1="${min?.toFixed(1)}" x2="${max?.toFixed(1)}" y1="${mid}" y2="${mid}" stroke="${colour}"/>`,
      `<rect x="${q1?.toFixed(1)}" y="${mid - 7}" width="${Math.max(1, (q3 ?? 0) - (q1 ?? 0)).toFixed(1)}" height="14" fill="${colour}" fill-opacity="0.35" stroke="${colour}"/>`,
      `<line x1="${med?.toFixed(1)}" x2="${med?.toFixed(1)}" y1="${mid - 7}" y2="${mid + 7}" stroke="${colour}" stroke-width="2.5"/>`,
      `<line x1="${p90?.toFixed(1)}" x2="${p90?.toFixed(1)}" y1="${mid - 4}" y2="${mid + 4}" stroke="${colour}"/>`,
      `<line x1="${p99?.toFixed(1)}" x2="${p99?.toFixed(1)}" y1="${mid - 4}" y2="${mid + 4}" stroke="${colour}" stroke-dasharray="2 1"/>`,
      '</g>',
    );
  });
  const title =
    which === 'endToEnd'
      ? 'End-to-end latency, batch 1 (ms, log scale)'
      : 'Inference latency, batch 1 (ms, log scale)';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart latency-${which}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}"><text x="${left}" y="18" font-size="13" font-weight="bold">${title}</text>${parts.join('')}</svg>`;
}
