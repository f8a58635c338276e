/**
 * report.html of a pipeline run: self-contained (no scripts, no network): the tables of report.md,
 * then the charts of charts.ts (Vega-Lite, rendered to static SVG in Node): accuracy vs ONNX size
 * and vs bench latency per target, each with its Pareto front, and the teacher's training curves.
 */
import { renderPipelineCharts } from './charts.js';
import type { PipelineReport } from './collect.js';
import { renderPipelineMarkdown } from './render-markdown.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function markdownToHtml(markdown: string): string {
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

/** Renders the report as one HTML page (async: vega renders the charts). */
export async function renderPipelineHtml(report: PipelineReport): Promise<string> {
  const body = markdownToHtml(renderPipelineMarkdown(report));
  const charts = await renderPipelineCharts(report);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeml pipeline report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}svg{display:block;margin:1em 0;max-width:100%;height:auto}</style>
</head><body>
${body}
<h2>Charts</h2>
${charts}
</body></html>
`;
}
