/**
 * Stage bench: runBench over export/teacher, export/student and export/final (float32 and int8)
 * on the configured targets; bench/report.json, report.md and report.html.
 */
import { type BenchPrecision, runBench, type TargetName, writeBenchReport } from '@edgeml/bench';
import type { PipelineStage } from '../engine/stage.js';

const MODELS = ['teacher', 'student', 'final'] as const;

/** Stage 7: benchmark. */
export const benchStage: PipelineStage = {
  name: 'bench',
  version: 2,
  title: 'benchmark every model on every target',
  config: (c) => ({ seed: c.seed, bench: { ...c.bench } }),
  inputs: async (ctx) => Promise.all(MODELS.map((m) => ctx.packageInput('export', m))),
  async run(ctx, dir) {
    const { targets, ...settings } = ctx.config.bench;
    const report = await runBench({
      ...settings,
      models: MODELS.map((m) => ctx.packageDir('export', m)),
      targets: targets as TargetName[],
      precisions: ['float32', 'int8'] as BenchPrecision[],
      dataset: await ctx.dataset(),
      seed: ctx.config.seed,
      onProgress: ctx.onProgress,
      onCase: (row) =>
        ctx.note(
          `${row.model} ${row.precision} ${row.target}: ${row.status}${row.status === 'skipped' ? ` (${row.reason})` : row.status === 'errored' ? ` (${row.message.split('\n')[0]})` : ''}`,
        ),
    });
    await writeBenchReport(report, dir);
    const cases = report.cases.map((c) => ({
      model: c.model,
      precision: c.precision,
      target: c.target,
      status: c.status,
      ...(c.status === 'ok' && {
        accuracy: c.accuracy.accuracy,
        images: c.accuracy.images,
        p50Ms: c.latency.endToEnd.p50,
        inferenceP50Ms: c.latency.inference.p50,
        fileBytes: c.file.bytes,
        fileGzipBytes: c.file.gzipBytes,
      }),
    }));
    return {
      packages: {},
      files: { json: 'report.json', markdown: 'report.md', html: 'report.html' },
      report: { images: report.images.indices.length, cases },
    };
  },
};
