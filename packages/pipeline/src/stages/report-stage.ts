/**
 * Stage report: report/report.json, report.md and a self-contained report.html from the other
 * stages' records and the teacher's summary.json training record. Version 2: charts by Vega-Lite.
 * Version 3: the deployment section (the worker/web runtime and the compiled modules' parity).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '@edgeml/core';
import { writeFileAtomic, writeJsonAtomic } from '@edgeml/core/node';
import type { PipelineStage } from '../engine/stage.js';
import { collectReport, type PipelineReport } from '../report/collect.js';
import { renderPipelineHtml } from '../report/render-html.js';
import { renderPipelineMarkdown } from '../report/render-markdown.js';

const BEFORE = [
  'train',
  'distill',
  'distill-gate',
  'prune',
  'prune-gate',
  'quantize',
  'quantize-gate',
  'export',
  'package',
  'bench',
];

type EpochLike = {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
};

/** Stage 8: the final report. */
export const reportStage: PipelineStage = {
  name: 'report',
  version: 3,
  title: 'write the report',
  config: () => ({}),
  inputs: async (ctx) =>
    BEFORE.map((s) => {
      const r = ctx.records.get(s);
      if (!r) throw new Error(`stage '${s}' has no record`);
      return { name: `stage:${s}`, sha256: r.key };
    }),
  async run(ctx, dir) {
    const summary = JSON.parse(
      await readFile(join(ctx.packageDir('train', 'teacher'), 'summary.json'), 'utf8'),
    ) as {
      record?: EpochLike[];
    };
    const curves = (summary.record ?? []).map((e) => ({
      epoch: e.epoch,
      loss: e.loss,
      accuracy: e.accuracy,
      valLoss: e.valLoss,
      valAccuracy: e.valAccuracy,
    }));
    const reused = new Set(
      [...ctx.records.values()].filter((r) => ctx.reused.has(r.stage)).map((r) => r.stage),
    );
    const report: PipelineReport = collectReport(ctx.records, reused, curves);
    await writeJsonAtomic(join(dir, 'report.json'), report);
    await writeFileAtomic(join(dir, 'report.md'), renderPipelineMarkdown(report));
    await writeFileAtomic(join(dir, 'report.html'), await renderPipelineHtml(report));
    return {
      packages: {},
      files: { json: 'report.json', markdown: 'report.md', html: 'report.html' },
      report: { models: report.models.length, pareto: report.pareto as unknown as JsonObject },
    };
  },
};
