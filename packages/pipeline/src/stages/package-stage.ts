/**
 * Stage package: the final model as deployable targets: package/worker (Wrangler project, Hono on
 * onnxruntime-web), package/web (static page + ES module, WebAssembly only) and package/mobile
 * (.tflite files, labels, metadata), each only when listed in `package.targets`.
 */
import { join } from 'node:path';
import { packageMobile, packageWeb, packageWorker } from '@edgeml/runtime-edge/node';
import type { PipelineStage } from '../engine/stage.js';

/** Stage 6: package for the deployment targets. */
export const packageStage: PipelineStage = {
  name: 'package',
  version: 1,
  title: 'package worker / web / mobile',
  config: (c) => ({ package: { ...c.package } }),
  inputs: async (ctx) => [await ctx.packageInput('export', 'final')],
  async run(ctx, dir) {
    const p = ctx.config.package;
    const model = ctx.packageDir('export', 'final');
    const files: Record<string, string> = {};
    const report: Record<string, unknown> = {};
    const total = p.targets.length;
    let done = 0;
    for (const target of p.targets) {
      ctx.onProgress({ phase: 'package', current: done, total, message: target });
      const out = join(dir, target);
      if (target === 'worker') {
        const r = await packageWorker(model, out, { precision: p.precision, skipMeasure: !p.measureWorker });
        report.worker = {
          modelFile: r.modelFile.path,
          bytes: r.size?.bytes ?? null,
          gzipBytes: r.size?.gzipBytes ?? null,
          warnings: [...r.warnings],
        };
      } else if (target === 'web') {
        const r = await packageWeb(model, out, { precision: p.precision, webgpu: false });
        report.web = {
          modelFile: r.modelFile.path,
          bytes: r.wasmPageBytes.bytes,
          gzipBytes: r.wasmPageBytes.gzipBytes,
        };
      } else {
        const r = await packageMobile(model, out);
        report.mobile = { models: r.models.map((m) => ({ ...m })), warnings: [...r.warnings] };
      }
      files[target] = target;
      done++;
    }
    ctx.onProgress({ phase: 'package', current: total, total });
    return { packages: {}, files, report: JSON.parse(JSON.stringify(report)) };
  },
};
