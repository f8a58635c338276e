/** report.md: the environment and every table of the report in GitHub-flavoured Markdown. */
import { environmentLines, reportTables } from './tables.js';
import type { BenchReport } from './types.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders one table as Markdown. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The whole report as Markdown. */
export function renderMarkdown(report: BenchReport): string {
  const parts = [
    `# edgeml bench report`,
    '',
    `${report.createdAt}, ${(report.durationMs / 1000).toFixed(0)} s. Models: ${report.models.map((m) => `${m.name} (${m.dir})`).join(', ')}.`,
    '',
    ...environmentLines(report).map((l) => `- ${l}`),
  ];
  for (const table of reportTables(report))
    parts.push('', `## ${table.title}`, '', markdownTable(table.header, table.rows));
  return `${parts.join('\n')}\n`;
}
