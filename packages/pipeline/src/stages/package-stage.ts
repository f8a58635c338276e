/**
 * Stage package: the final model as deployable targets: package/worker (Wrangler project, Hono),
 * package/web (static page + ES module, WebAssembly only) and package/mobile (.tflite files,
 * labels, metadata), each only when listed in `package.targets`. Unless `package.runtime` is
 * 'ort-web', the final model is first compiled by @edgeml/compiler into package/compiled (float32,
 * and int8 when it has int8 files; see compile-final.ts) and the worker and web targets run the
 * compiled module of the served precision when it compiled and matches onnxruntime-node; otherwise
 * ('auto') they run onnxruntime-web and the stage record says why.
 */
import { join } from 'node:path';
import { UnsupportedError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { type PackageRuntime, packageMobile, packageWeb, packageWorker } from '@edgeml/runtime-edge/node';
import type { PipelineStage } from '../engine/stage.js';
import {
  type CompiledPrecision,
  type CompiledVariant,
  compileFinalModel,
  compilerInput,
} from './compile-final.js';

/** Stage 6: package for the deployment targets. */
export const packageStage: PipelineStage = {
  name: 'package',
  // 2: a final model without int8 files is packaged as float32.
  // 3: the final model is compiled (package/compiled) and the worker and web targets run it.
  version: 3,
  title: 'compile; package worker / web / mobile',
  // The compile step calibrates int8 on the data set as the quantize stage did, and checks parity
  // on the export stage's parity images.
  config: (c) => ({
    package: { ...c.package },
    ...(c.package.runtime !== 'ort-web' && {
      dataset: { ...c.dataset },
      quantize: { ...c.quantize },
      parityImages: c.export.parityImages,
    }),
  }),
  inputs: async (ctx) => {
    const p = ctx.config.package;
    const compiles = p.runtime !== 'ort-web' && p.targets.some((t) => t === 'worker' || t === 'web');
    return [await ctx.packageInput('export', 'final'), ...(compiles ? [await compilerInput()] : [])];
  },
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

    // Compile (unless onnxruntime-web was asked for) and pick the worker/web runtime.
    let packaged = model;
    let runtime: PackageRuntime = 'ort-web';
    let runtimeReason = "package.runtime is 'ort-web'";
    const webTargets = p.targets.some((t) => t === 'worker' || t === 'web');
    if (p.runtime !== 'ort-web' && webTargets) {
      const precisions: CompiledPrecision[] = hasInt8 ? ['float32', 'int8'] : ['float32'];
      const compiled = await compileFinalModel(ctx, model, join(dir, 'compiled'), precisions);
      if (compiled.modelDir !== model) {
        packaged = compiled.modelDir;
        files.compiled = 'compiled';
      }
      report.compiled = compiled.variants.map(variantReport);
      const served = compiled.variants.find((v) => v.precision === precision);
      if (served?.usable) {
        runtime = 'edgeml-wasm';
        runtimeReason = `the ${precision} module compiled by @edgeml/compiler matches onnxruntime-node`;
      } else {
        const why = served?.reason ?? `no ${precision} module`;
        if (p.runtime === 'edgeml-wasm')
          throw new UnsupportedError(
            `package: runtime 'edgeml-wasm' was asked for, but the ${precision} model cannot run on it: ${why}; set package.runtime to 'auto' or 'ort-web'`,
            { precision, reason: why },
          );
        runtimeReason = `onnxruntime-web: ${why}`;
        ctx.note(`package: worker and web run onnxruntime-web (${why})`);
      }
    }
    report.runtime = runtime;
    report.runtimeReason = runtimeReason;
    const total = p.targets.length;
    let done = 0;
    for (const target of p.targets) {
      ctx.onProgress({ phase: 'package', current: done, total, message: target });
      const out = join(dir, target);
      if (target === 'worker') {
        const r = await packageWorker(packaged, out, { precision, runtime, skipMeasure: !p.measureWorker });
        report.worker = {
          runtime: r.runtime,
          modelFile: r.modelFile.path,
          bytes: r.size?.bytes ?? null,
          gzipBytes: r.size?.gzipBytes ?? null,
          warnings: [...r.warnings],
        };
      } else if (target === 'web') {
        const r = await packageWeb(packaged, out, { precision, runtime, webgpu: false });
        report.web = {
          runtime: r.runtime,
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

/** One compile variant as JSON for the stage record. */
function variantReport(v: CompiledVariant): Record<string, unknown> {
  return {
    precision: v.precision,
    usable: v.usable,
    ...(v.reason !== undefined && { reason: v.reason }),
    ...(v.wasm && { wasm: { ...v.wasm } }),
    ...(v.parity && { parity: { ...v.parity } }),
  };
}
