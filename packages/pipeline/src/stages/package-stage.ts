/**
 * Stage package: the final model as deployable targets: package/worker (Wrangler project, Hono on
 * onnxruntime-web), package/web (static page + ES module, WebAssembly only) and package/mobile
 * (.tflite files, labels, metadata), each only when listed in `package.targets`.
 */
import { join } from 'node:path';
import { readModelPackageDir } from '@edgeml/core/node';
import { packageMobile, packageWeb, packageWorker } from '@edgeml/runtime-edge/node';
import type { PipelineStage } from '../engine/stage.js';

/** Stage 6: package for the deployment targets. */
export const packageStage: PipelineStage = {
  name: 'package',
  // 2: a final model without int8 files is packaged as float32.
  version: 2,
  title: 'package worker / web / mobile',
  config: (c) => ({ package: { ...c.package } }),
  inputs: async (ctx) => [await ctx.packageInput('export', 'final')],
  async run(ctx, dir) {
    const p = ctx.config.package;
    const model = ctx.packageDir('export', 'final');
    const files: Record<string, string> = {};
    const report: Record<string, unknown> = {};
    // When the int8 pass was rejected the final model has no int8 files: serve it as float32.
    const { manifest } = await readModelPackageDir(model);
    const hasInt8 = manifest.files.some((f) => f.precision === 'int8' || f.precision === 'mixed');
    const precision = p.precision === 'int8' && !hasInt8 ? 'float32' : p.precision;
    if (precision !== p.precision)
      ctx.note(
        `package: the final model has no int8 files (the quantize pass was rejected); packaging float32`,
      );
    report.precision = precision;
    const total = p.targets.length;
    let done = 0;
    for (const target of p.targets) {
      ctx.onProgress({ phase: 'package', current: done, total, message: target });
      const out = join(dir, target);
      if (target === 'worker') {
        const r = await packageWorker(model, out, { precision, skipMeasure: !p.measureWorker });
        report.worker = {
          modelFile: r.modelFile.path,
          bytes: r.size?.bytes ?? null,
          gzipBytes: r.size?.gzipBytes ?? null,
          warnings: [...r.warnings],
        };
      } else if (target === 'web') {
        const r = await packageWeb(model, out, { precision, webgpu: false });
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
