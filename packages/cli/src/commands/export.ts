/**
 * `edgeml export`: writes ONNX, TFLite and TF.js files for a trained model package, each checked
 * against the TF.js model on real test images of the model's data set in the runtime that reads it
 * (onnxruntime-node, tfjs-tflite), into a new model package.
 */
import { resolve } from 'node:path';
import { readModelPackageDir } from '@edgeml/core/node';
import { EXPORT_OPTIONS, exportModelPackage, type ParityImages, parityImagesFor } from '@edgeml/optimizer';
import { selectBackend } from '@edgeml/trainer';
import type { Command } from '../command.js';
import { loadDatasetForModel } from '../dataset-from-options.js';
import { declaredOptions, flagsOf, MODEL_DATASET_OPTIONS, stringOption } from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay } from '../progress.js';
import { TOOL_VERSION } from '../version.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write ONNX, TFLite and TF.js files of a model package, with measured parity',
  examples: [
    'pnpm edgeml export --model runs/teacher --format onnx,tflite,tfjs --out runs/teacher-export',
    'pnpm edgeml export --model runs/teacher --format onnx --onnx-layout NCHW --out runs/teacher-nchw',
  ],
  options: {
    ...MODEL_DATASET_OPTIONS,
    model: { type: 'string', placeholder: 'DIR', description: 'model package to export' },
    ...flagsOf(EXPORT_OPTIONS),
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'package to write (may be --model itself)',
      default: '<model>-export',
    },
  },
  async run(values, out) {
    const modelDir = stringOption(values, 'model');
    const {
      formats,
      onnxInputLayout,
      parityImages: count,
    } = declaredOptions(EXPORT_OPTIONS, values, 'export');
    const outDir = resolve(stringOption(values, 'out', `${modelDir.replace(/\/+$/, '')}-export`));

    let parityImages: ParityImages | undefined;
    if (count > 0) {
      // The TF.js reference runs on the cpu backend: pure JS kernels, independent of the XNNPACK
      // code that onnxruntime and tfjs-tflite share with the wasm backend.
      await selectBackend('cpu');
      const { manifest } = await readModelPackageDir(modelDir);
      const data = await loadDatasetForModel(values, manifest);
      parityImages = await parityImagesFor(manifest, data.dataset, count);
      out.note(`parity: ${parityImages.shape[0]} ${data.dataset.info.name} test images`);
    }
    const progress = createProgressDisplay(out);
    let result: Awaited<ReturnType<typeof exportModelPackage>>;
    try {
      result = await exportModelPackage(modelDir, outDir, {
        formats,
        onnxInputLayout,
        toolVersion: TOOL_VERSION,
        onProgress: progress.onProgress,
        ...(parityImages ? { parityImages } : {}),
      });
    } finally {
      progress.stop();
    }
    if (out.json) {
      out.printJson({ out: outDir, files: result.files });
      return 0;
    }
    const rows = result.files.flatMap((f) =>
      f.parity.length === 0
        ? [[f.path, f.bytes, '-', '-', '-']]
        : f.parity.map((p) => [
            f.path,
            f.bytes,
            `${p.runtime} (${p.optLevel})`,
            p.maxAbsDiff.toExponential(2),
            `${p.top1Agreement * 100}%`,
          ]),
    );
    out.print(formatTable(['file', 'bytes', 'runtime', 'max abs diff', 'top-1 agreement'], rows));
    out.print(`wrote ${outDir}`);
    return 0;
  },
};
