/**
 * A recipe's export stage: the final model (the package the recipe's run continues from after
 * its last pass) exported to the configured formats into export/final, parity checked like the
 * pipeline's export stage; an int8 final model keeps its int8 files. Named `export`, so that the
 * package stage packages export/final as it does in a pipeline run.
 */
import { join } from 'node:path';
import { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { exportModelPackage, parityImagesFor } from '@edgeml/optimizer';
import type { PipelineStage } from '../engine/stage.js';

/** Does the package in `dir` hold an int8 (or mixed) file? */
export async function hasInt8Files(dir: string): Promise<boolean> {
  const { manifest } = await readModelPackageDir(dir);
  return manifest.files.some((f) => f.precision === 'int8' || f.precision === 'mixed');
}

/** The last stage of a recipe: export the final model. */
export const searchExportStage: PipelineStage = {
  name: 'export',
  // Its own numbering: the pipeline's export stage (teacher, student, final) has other inputs.
  version: 101,
  title: 'export the final model',
  config: (c) => ({ export: { ...c.export } }),
  inputs: async (ctx) => {
    const final = ctx.continueFrom('quantize-gate');
    return [await ctx.packageInput(final.stage, final.role)];
  },
  async run(ctx, dir) {
    const final = ctx.continueFrom('quantize-gate');
    const source = ctx.packageDir(final.stage, final.role);
    const count = ctx.config.export.parityImages;
    const { manifest } = await readModelPackageDir(source);
    const parityImages =
      count === 0 ? undefined : await parityImagesFor(manifest, await ctx.dataset(), count);
    ctx.note(
      `exporting the final model ${final.stage}/${final.role} (${ctx.config.export.formats.join(', ')})`,
    );
    const result = await exportModelPackage(source, join(dir, 'final'), {
      formats: ctx.config.export.formats,
      onnxInputLayout: ctx.config.export.onnxInputLayout,
      toolVersion: TOOL_VERSION,
      onProgress: ctx.onProgress,
      ...(parityImages && { parityImages }),
    });
    return {
      packages: { final: 'final' },
      report: {
        final: `${final.stage}/${final.role}`,
        int8: await hasInt8Files(join(dir, 'final')),
        files: result.files.map((f) => ({ path: f.path, bytes: f.bytes })),
      },
    };
  },
};
