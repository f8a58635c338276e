/**
 * The accuracy / size / latency trade-off: one point per ok case, x = median end-to-end latency
 * (log), y = accuracy, area ∝ gzip size of the model file; colour per model.
 */
import type { OkCase } from '../types.js';
import { escapeXml, logScale, PALETTE, tickLabel } from './svg.js';

/** An SVG scatter of accuracy against latency, sized by model file gzip bytes. */
export function tradeoffScatter(cases: readonly OkCase[]): string {
  const width = 860;
  const height = 420;
  const [left, right, top, bottom] = [70, width - 30, 40, height - 50];
  const x = logScale(
    cases.map((c) => c.latency.endToEnd.p50),
    left,
    right,
  );
  const accuracies = cases.map((c) => c.accuracy.accuracy);
  let lo = Math.min(...accuracies, 1);
  let hi = Math.max(...accuracies, 0);
  if (hi - lo < 0.02) {
    lo = Math.max(0, lo - 0.01);
    hi = Math.min(1, hi + 0.01);
  }
  if (hi <= lo) hi = lo + 0.01;
  const y = (a: number) => bottom - ((a - lo) / (hi - lo)) * (bottom - top);
  const maxGzip = Math.max(...cases.map((c) => c.file.gzipBytes), 1);
  const models = [...new Set(cases.map((c) => c.model))];
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = x(t).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="#eee"/><text x="${px}" y="${bottom + 16}" text-anchor="middle" font-size="11">${tickLabel(t)}</text>`,
    );
  }
  for (let k = 0; k <= 4; k++) {
    const a = lo + ((hi - lo) * k) / 4;
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${y(a).toFixed(1)}" y2="${y(a).toFixed(1)}" stroke="#eee"/><text x="${left - 6}" y="${(y(a) + 4).toFixed(1)}" text-anchor="end" font-size="11">${(a * 100).toFixed(1)}%</text>`,
    );
  }
  for (const c of cases) {
    const colour = PALETTE[models.indexOf(c.model) % PALETTE.length];
    const r = 4 + 14 * Math.sqrt(c.file.gzipBytes / maxGzip);
    const label = `${c.model} ${c.precision} ${c.target}`;
    const cx = x(c.latency.endToEnd.p50).toFixed(1);
    const cy = y(c.accuracy.accuracy).toFixed(1);
    parts.push(
      `<g class="point"><title>${escapeXml(`${label}: p50 ${c.latency.endToEnd.p50.toFixed(3)} ms, accuracy ${(c.accuracy.accuracy * 100).toFixed(2)}%, ${c.file.gzipBytes} B gzip`)}</title>`,
      `<circle cx="${cx}" cy="${cy}" r="${r.toFixed(1)}" fill="${colour}" fill-opacity="0.5" stroke="${colour}"/>`,
      `<text x="${cx}" y="${(Number(cy) - r - 3).toFixed(1)}" text-anchor="middle" font-size="10">${escapeXml(`${c.target}${c.precision === 'int8' ? ' int8' : ''}`)}</text></g>`,
    );
  }
  models.forEach((m, i) => {
    parts.push(
      `<g class="legend"><circle cx="${left + 10 + i * 170}" cy="${height - 14}" r="5" fill="${PALETTE[i % PALETTE.length]}"/><text x="${left + 20 + i * 170}" y="${height - 10}" font-size="11">${escapeXml(m)}</text></g>`,
    );
  });
  const title = 'Accuracy vs median end-to-end latency (ms, log); area = model file gzip size';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart tradeoff" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}"><text x="${left}" y="20" font-size="13" font-weight="bold">${escapeXml(title)}</text>${parts.join('')}</svg>`;
}
