/**
 * `edgeml compile`: each model as its own small WebAssembly module (@edgeml/compiler's
 * compileModelPackage): `model.wasm` + `model.js` (float32) or `model.int8.wasm` + `model.int8.js`
 * (int8: the package's model.int8.onnx as it is; without one, static PTQ on the model's data set as
 * `edgeml quantize` does), added to a copy of the
 * package. model.js's `load()` resolves to `{ run(input) }`; it needs no edgeml package.
 */
import { resolve } from 'node:path';
import { COMPILE_OPTIONS, compileModelPackage, int8OnnxFile } from '@edgeml/compiler';
import { readModelPackageDir } from '@edgeml/core/node';
import { sampleBatch, selectBackend } from '@edgeml/trainer';
import type { Command } from '../command.js';
import { loadDatasetForModel } from '../dataset-from-options.js';
import { declaredOptions, flagsOf, MODEL_DATASET_OPTIONS, stringOption } from '../options.js';
import { formatTable } from '../output.js';

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a model package into its own small WebAssembly module (model.wasm + model.js)',
  examples: [
    'pnpm edgeml compile --model runs/cnn-small --out runs/cnn-small-wasm',
    'pnpm edgeml compile --model runs/cnn-small --precision int8 --calib 512 --out runs/cnn-small-wasm',
  ],
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model package to compile' },
    ...flagsOf(COMPILE_OPTIONS),
    ...MODEL_DATASET_OPTIONS,
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'package to write (may be --model itself)',
      default: '<model>-compiled',
    },
  },
  async run(values, out) {
    const modelDir = stringOption(values, 'model');
    const { precision, calibration, percentile, calibrationImages } = declaredOptions(
      COMPILE_OPTIONS,
      values,
      'compile',
    );
    const outDir = resolve(stringOption(values, 'out', `${modelDir.replace(/\/+$/, '')}-compiled`));
    // The TF.js model is only read (converted to the IR), on the pure-JS cpu backend.
    await selectBackend('cpu');
    let images: Awaited<ReturnType<typeof sampleBatch>> | undefined;
    const { manifest } = precision === 'int8' ? await readModelPackageDir(modelDir) : { manifest: undefined };
    const onnx = manifest ? int8OnnxFile(manifest) : undefined;
    if (onnx) {
      // The quantisation the user measured with edgeml quantize: no data, no calibration.
      out.note(`int8: compiling the quantisation of ${onnx.path} (its int8 weights, scales and zero points)`);
    } else if (manifest) {
      const data = await loadDatasetForModel(values, manifest);
      // The quantize pass's sample: the same seeded draw from the training split.
      images = await sampleBatch(data.split('train'), calibrationImages, 0);
      out.note(
        `int8: calibrating on ${images.shape[0]} ${data.dataset.info.name} training images (${calibration})`,
      );
    }
    const result = await compileModelPackage(modelDir, outDir, {
      precision,
      calibration,
      percentile,
      ...(images
        ? { calibrationImages: { x: images.x, shape: images.shape as [number, number, number, number] } }
        : {}),
    });
    const r = result.report;
    if (out.json) {
      out.printJson({ out: outDir, files: result.files, report: r });
      return 0;
    }
    out.print(
      formatTable(
        ['file', 'bytes', 'code bytes', 'weights bytes', 'arena bytes (no reuse)', 'kernel calls'],
        [
          [
            result.files.wasm,
            r.wasmBytes,
            r.codeBytes,
            r.weightsBytes,
            `${r.arenaBytes} (${r.arenaBytesWithoutReuse})`,
            r.kernelCalls,
          ],
        ],
      ),
    );
    if (r.floatNodes && r.floatNodes.length > 0) out.note(`kept in float32: ${r.floatNodes.join('; ')}`);
    out.print(
      `wrote ${outDir} (${result.files.wasm}, ${result.files.js}); compiled in ${r.seconds.toFixed(1)} s`,
    );
    return 0;
  },
};
