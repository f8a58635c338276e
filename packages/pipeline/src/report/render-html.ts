/**
 * report.html of a pipeline run: self-contained (no scripts, no network): the tables of report.md,
 * an accuracy-vs-size scatter with its Pareto front, the bench's accuracy/latency scatter (the
 * bench package's chart) and the teacher's training curves.
 */
import { type OkCase, tradeoffScatter } from '@edgeml/bench';
import type { PipelineReport } from './collect.js';
import { renderPipelineMarkdown } from './render-markdown.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function scale(values: readonly number[], from: number, to: number, log = false) {
  const f = (v: number) => (log ? Math.log10(Math.max(v, 1e-9)) : v);
  const lo = Math.min(...values.map(f));
  const hi = Math.max(...values.map(f));
  const span = hi - lo || 1;
  return (v: number) => from + ((f(v) - lo) / span) * (to - from);
}

/** Accuracy against ONNX bytes (log), the Pareto front joined by a line. */
function paretoChart(report: PipelineReport): string {
  const pts = report.models.filter((m) => Number.isFinite(m.onnxBytes) && Number.isFinite(m.accuracy));
  if (pts.length === 0) return '';
  const x = scale(
    pts.map((m) => m.onnxBytes),
    70,
    820,
    true,
  );
  const y = scale(
    pts.map((m) => m.accuracy),
    360,
    50,
  );
  const front = report.pareto.size.map((s) => pts.find((m) => m.stage === s)).filter((m) => m !== undefined);
  const line = front.map((m) => `${x(m.onnxBytes).toFixed(1)},${y(m.accuracy).toFixed(1)}`).join(' ');
  const dots = pts
    .map(
      (m) =>
        `<circle cx="${x(m.onnxBytes).toFixed(1)}" cy="${y(m.accuracy).toFixed(1)}" r="6" fill="${report.pareto.size.includes(m.stage) ? '#d62728' : '#1f77b4'}"><title>${esc(`${m.stage}: ${m.onnxBytes} B, ${(m.accuracy * 100).toFixed(2)}%`)}</title></circle><text x="${x(m.onnxBytes).toFixed(1)}" y="${(y(m.accuracy) - 10).toFixed(1)}" text-anchor="middle" font-size="11">${esc(`${m.stage} ${(m.accuracy * 100).toFixed(1)}%`)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart pareto" viewBox="0 0 860 400" width="860" height="400" role="img" aria-label="accuracy vs ONNX size"><text x="70" y="20" font-size="13" font-weight="bold">Accuracy vs ONNX size (bytes, log); red: Pareto front</text><line x1="70" y1="370" x2="830" y2="370" stroke="#999"/><polyline points="${line}" fill="none" stroke="#d62728" stroke-dasharray="4 3"/>${dots}</svg>`;
}

/** The teacher's loss and accuracy per epoch. */
function curveChart(report: PipelineReport): string {
  const c = report.curves;
  if (c.length === 0) return '';
  const x =
    c.length > 1
      ? scale(
          c.map((e) => e.epoch),
          70,
          820,
        )
      : () => 445;
  const y = (v: number) => 360 - v * 310;
  const series: [string, string, (e: (typeof c)[number]) => number | null][] = [
    ['train accuracy', '#1f77b4', (e) => e.accuracy],
    ['val accuracy', '#ff7f0e', (e) => e.valAccuracy],
    ['train loss (/ max)', '#2ca02c', (e) => e.loss / Math.max(...c.map((k) => k.loss), 1e-9)],
  ];
  const parts = series.map(([name, colour, get], i) => {
    const pts = c
      .filter((e) => get(e) !== null)
      .map((e) => `${x(e.epoch).toFixed(1)},${y(get(e) ?? 0).toFixed(1)}`);
    return `<polyline points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>${pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${colour}"/>`).join('')}<text x="${80 + i * 200}" y="390" font-size="11" fill="${colour}">${esc(name)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart curves" viewBox="0 0 860 400" width="860" height="400" role="img" aria-label="training curves"><text x="70" y="20" font-size="13" font-weight="bold">Teacher training curves per epoch (accuracy 0-1; loss scaled to its maximum)</text><line x1="70" y1="360" x2="830" y2="360" stroke="#999"/>${parts.join('')}</svg>`;
}

function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let table: string[][] = [];
  const flush = () => {
    if (table.length === 0) return;
    const [head, , ...body] = table;
    out.push(
      `<table><thead><tr>${(head ?? []).map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((d) => `<td>${esc(d)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    );
    table = [];
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) {
      table.push(
        line
          .slice(1, -1)
          .split('|')
          .map((s) => s.trim()),
      );
      continue;
    }
    flush();
    if (line.startsWith('## ')) out.push(`<h2>${esc(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) out.push(`<h1>${esc(line.slice(2))}</h1>`);
    else if (line.startsWith('- ')) out.push(`<p>• ${esc(line.slice(2))}</p>`);
    else if (line.trim() !== '') out.push(`<p>${esc(line)}</p>`);
  }
  flush();
  return out.join('\n');
}

/** Renders the report as one HTML page; `benchCases` are the bench stage's ok rows. */
export function renderPipelineHtml(report: PipelineReport, benchCases: readonly OkCase[]): string {
  const body = markdownToHtml(renderPipelineMarkdown(report));
  const charts = [
    paretoChart(report),
    benchCases.length > 0 ? tradeoffScatter(benchCases) : '',
    curveChart(report),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeml pipeline report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}svg{display:block;margin:1em 0}</style>
</head><body>
${body}
<h2>Charts</h2>
${charts}
</body></html>
`;
}
