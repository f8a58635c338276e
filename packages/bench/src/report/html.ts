/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no network): latency box
 * plots per target, the accuracy/size/latency scatter, cold-start bars (Vega-Lite specs rendered to
 * static SVG by vega in Node), then every table.
 */
import { coldStartBars } from './charts/cold-start-bars.js';
import { latencyBoxPlot } from './charts/latency-box-plot.js';
import { tradeoffScatter } from './charts/tradeoff-scatter.js';
import { escapeXml } from './charts/vega.js';
import { environmentLines, reportTables } from './tables.js';
import type { BenchReport, OkCase } from './types.js';

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0 24px;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left}
th{background:#f4f4f4}td{font-variant-numeric:tabular-nums}.chart{display:block;margin:12px 0 28px;max-width:100%;height:auto}
ul{padding-left:18px}`;

/** The whole report as one HTML document (async: vega renders the charts). */
export async function renderHtml(report: BenchReport): Promise<string> {
  const ok = report.cases.filter((c): c is OkCase => c.status === 'ok');
  const charts =
    ok.length === 0
      ? '<p>No case ran to the end: nothing to chart.</p>'
      : (
          await Promise.all([
            latencyBoxPlot(ok, 'endToEnd'),
            latencyBoxPlot(ok, 'inference'),
            tradeoffScatter(ok),
            coldStartBars(ok),
          ])
        ).join('\n');
  const tables = reportTables(report)
    .map(
      (t) =>
        `<h2>${escapeXml(t.title)}</h2><table><thead><tr>${t.header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
          .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeml bench report</title><style>${STYLE}</style></head>
<body><h1>edgeml bench report</h1>
<p>${escapeXml(report.createdAt)}, ${(report.durationMs / 1000).toFixed(0)} s. Models: ${escapeXml(report.models.map((m) => m.name).join(', '))}.</p>
<ul>${environmentLines(report)
    .map((l) => `<li>${escapeXml(l)}</li>`)
    .join('')}</ul>
${charts}
${tables}
</body></html>
`;
}
