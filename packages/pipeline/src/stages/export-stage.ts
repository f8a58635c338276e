/**
 * Stage export: ONNX, TFLite and TF.js files (exportModelPackage, parity checked on test images)
 * of the teacher, the distilled student and the final model (the package the run continues from
 * after quantize: the int8 model, which keeps its int8 files, when every gate let it through; else
 * the last model kept), into export/teacher, export/student and export/final.
 */
import { join } from 'node:path';
import { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { exportModelPackage, type ParityImages, parityImagesFor } from '@edgeml/optimizer';
import type { PipelineStage, StageContext } from '../engine/stage.js';

/** [name, stage, role] of each exported model; the final one is the run's continuation. */
function sources(ctx: StageContext): [string, string, string][] {
  const final = ctx.continueFrom('quantize-gate');
  return [
    ['teacher', 'train', 'teacher'],
    ['student', 'distill', 'student'],
    ['final', final.stage, final.role],
  ];
}

async function parityFor(ctx: StageContext, source: string): Promise<ParityImages | undefined> {
  const count = ctx.config.export.parityImages;
  if (count === 0) return undefined;
  const { manifest } = await readModelPackageDir(source);
  return parityImagesFor(manifest, await ctx.dataset(), count);
}

/** Stage 5: export every model. */
export const exportStage: PipelineStage = {
  name: 'export',
  // 2: the final model is the run's continuation after the gates.
  version: 2,
  title: 'export ONNX, TFLite, TF.js',
  config: (c) => ({ export: { ...c.export } }),
  inputs: async (ctx) => Promise.all(sources(ctx).map(([, stage, role]) => ctx.packageInput(stage, role))),
  async run(ctx, dir) {
    const packages: Record<string, string> = {};
    const report: Record<
      string,
      {
        path: string;
        bytes: number;
        parity: { runtime: string; top1Agreement: number; maxAbsDiff: number }[];
      }[]
    > = {};
    const list = sources(ctx);
    for (const [name, stage, role] of list) {
      const source = ctx.packageDir(stage, role);
      ctx.note(`exporting ${name} (${ctx.config.export.formats.join(', ')})`);
      const parityImages = await parityFor(ctx, source);
      const result = await exportModelPackage(source, join(dir, name), {
        formats: ctx.config.export.formats,
        onnxInputLayout: ctx.config.export.onnxInputLayout,
        toolVersion: TOOL_VERSION,
        onProgress: ctx.onProgress,
        ...(parityImages && { parityImages }),
      });
      packages[name] = name;
      report[name] = result.files.map((f) => ({
        path: f.path,
        bytes: f.bytes,
        parity: f.parity.map((p) => ({
          runtime: p.runtime,
          top1Agreement: p.top1Agreement,
          maxAbsDiff: p.maxAbsDiff,
        })),
      }));
    }
    const [, finalStage, finalRole] = list[2] as [string, string, string];
    return { packages, report: { files: report, final: `${finalStage}/${finalRole}` } };
  },
};
