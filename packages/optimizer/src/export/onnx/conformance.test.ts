/**
 * ONNX emitter conformance: every model (the zoo, or stand-ins until it is exported), seeded random
 * weights with perturbed BatchNorm, on 256 real Fashion-MNIST test images (batch 64): TF.js (cpu)
 * vs onnxruntime-node at every graph optimisation level vs onnxruntime-web (wasm, in Node).
 * Asserts max |diff| of probabilities <= 1e-5 and the same top-1 on every image; prints a table.
 */

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ortWebSession } from '../../passes/quantize/measure.js';
import { conformanceImages } from '../../testing/conformance-images.js';
import { conformanceModels } from '../../testing/conformance-models.js';
import { exportOnnx } from './export-onnx.js';
import {
  formatParityTable,
  measureParity,
  onnxruntimeNodeRuntimes,
  type ParityImages,
  type ParityRow,
  type ParityRuntime,
} from './parity.js';

const TOLERANCE = 1e-5;
const IMAGES = 256;

/** onnxruntime-web's wasm backend run inside Node: one thread, .wasm files from node_modules. */
function onnxruntimeWebRuntime(): ParityRuntime {
  return {
    name: 'onnxruntime-web (wasm)',
    optLevel: 'all',
    async createSession(bytes, names) {
      const { ort, session } = await ortWebSession(bytes);
      return {
        async run(x, shape) {
          const result = await session.run({ [names.input]: new ort.Tensor('float32', x, [...shape]) });
          return result[names.output]!.data as Float32Array;
        },
        release: () => session.release(),
      };
    },
  };
}

const setup = await conformanceModels(1);
const table: { model: string; row: ParityRow }[] = [];
let images: ParityImages;

beforeAll(async () => {
  await tf.setBackend('cpu');
  images = await conformanceImages(IMAGES);
});

afterAll(() => {
  console.log(
    `\nONNX parity (${setup.source}; ${IMAGES} Fashion-MNIST test images, batch 64, TF.js cpu as reference)\n` +
      formatParityTable(table),
  );
});

describe(`ONNX export conformance (${setup.source})`, () => {
  for (const entry of setup.models) {
    it(`${entry.name}: every runtime matches TF.js within ${TOLERANCE} with identical top-1`, async () => {
      const model = entry.build();
      const { bytes } = exportOnnx(model);
      const report = await measureParity(model, bytes, images, {
        runtimes: [...onnxruntimeNodeRuntimes(), onnxruntimeWebRuntime()],
        batchSize: 64,
      });
      for (const row of report.rows) table.push({ model: entry.name, row });
      for (const row of report.rows) {
        expect(row.maxAbsDiff, `${row.runtime} ${row.optLevel}`).toBeLessThanOrEqual(TOLERANCE);
        expect(row.top1Agree, `${row.runtime} ${row.optLevel}`).toBe(IMAGES);
      }
      model.dispose();
    });
  }
});
