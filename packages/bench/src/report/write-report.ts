/** Writes report.json (validated against its schema first), report.md and report.html into a directory, each atomically. Node only. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { BenchReport } from './types.js';
import { validateReport } from './validate.js';

/** Paths of the written report files. */
export interface WrittenReport {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/** Validates `report` and writes the three files into `outDir` (created when missing). */
export async function writeBenchReport(report: BenchReport, outDir: string): Promise<WrittenReport> {
  validateReport(JSON.parse(JSON.stringify(report)));
  await mkdir(outDir, { recursive: true });
  const files = {
    json: join(outDir, 'report.json'),
    markdown: join(outDir, 'report.md'),
    html: join(outDir, 'report.html'),
  };
  await writeAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(files.markdown, renderMarkdown(report));
  await writeAtomic(files.html, await renderHtml(report));
  return files;
}
