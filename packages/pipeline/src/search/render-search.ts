/**
 * The search's report: search.md (every tried recipe with its numbers, the front, the choice and
 * its rule, the recipes not started) and a self-contained search.html with the same tables and two
 * Vega-Lite charts (search/charts.ts): accuracy against the speed-up on the target and against the
 * target's file size, every tried point, the front dashed, the chosen model ringed.
 */
import { markdownToHtml } from '../report/render-html.js';
import { renderSearchCharts } from './charts.js';
import type { SearchReport } from './run-search.js';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const secs = (s: number) =>
  s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;

/** search.md. */
export function renderSearchMarkdown(r: SearchReport): string {
  const lines = [
    `# edgeml optimize: ${r.target}`,
    '',
    `Accuracy budget ${r.maxDrop} points below the teacher (${pct(r.teacherAccuracy)}); minimise ${r.minimize}; budget ${secs(r.budgetS)}, used ${secs(r.wallS)}. Speed-up: teacher / model inference-only latency on ${r.target}, batch 1, interleaved A/B against the teacher (95% interval).`,
    '',
    '## Tried recipes',
    '',
    '| recipe | accuracy | drop (points) | precision | file (runtime) | bytes | speed-up | interval | front | chosen | time | stages reused |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.points.map(
      (p) =>
        `| ${p.label} | ${pct(p.accuracy)} | ${p.dropPoints.toFixed(2)}${p.withinBudget ? '' : ' (beyond budget)'} | ${p.precision} | ${p.file} (${p.runtime}) | ${p.bytes} | ${p.speedup.toFixed(2)}x | [${p.low.toFixed(2)}, ${p.high.toFixed(2)}] ${p.verdict} | ${p.front ? 'yes' : ''} | ${p.chosen ? 'CHOSEN' : ''} | ${secs(p.durationS)} | ${p.reusedStages.length}/${p.reusedStages.length + p.ranStages.length} |`,
    ),
    '',
    `Pareto front (${r.minimize}): ${r.front.map((id) => r.points.find((p) => p.id === id)?.label ?? id).join(' -> ')}`,
    '',
    `Choice rule: ${r.rule}.`,
    '',
    r.chosen === null
      ? 'Chosen: none (no tried recipe within the accuracy budget).'
      : `Chosen: ${r.chosen.label}, packaged for ${r.target} in ${r.chosen.packageDir}`,
  ];
  if (r.skipped.length > 0)
    lines.push('', '## Not started', '', ...r.skipped.map((s) => `- ${s.label}: ${s.reason}`));
  if (r.failed.length > 0)
    lines.push('', '## Failed', '', ...r.failed.map((s) => `- ${s.label}: ${s.reason}`));
  return `${lines.join('\n')}\n`;
}

/** search.html: the tables and the charts, no scripts, no network. */
export async function renderSearchHtml(r: SearchReport): Promise<string> {
  const body = markdownToHtml(renderSearchMarkdown(r));
  const charts = await renderSearchCharts(r);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeml optimize report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}svg{display:block;margin:1em 0;max-width:100%;height:auto}</style>
</head><body>
${body}
<h2>Charts</h2>
${charts}
</body></html>
`;
}
