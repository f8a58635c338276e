/**
 * TFLite emitter conformance: the models of the ONNX conformance suite (the zoo, or stand-ins until
 * it is exported), seeded random weights with perturbed BatchNorm, on the same 256 real
 * Fashion-MNIST test images: TF.js (cpu) vs the exported `.tflite` in tfjs-tflite's WebAssembly
 * interpreter (Node shims, non-threaded SIMD build, XNNPACK). Asserts max |diff| of probabilities
 * <= 1e-5 and the same top-1 on every image; prints a table.
 */

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceImages } from '../../testing/conformance-images.js';
import { conformanceModels } from '../../testing/conformance-models.js';
import { formatParityTable, type ParityImages, type ParityRow } from '../onnx/parity.js';
import { exportTflite } from './export-tflite.js';
import { measureTfliteParity } from './parity.js';
import { readTfliteModel } from './read-tflite.js';

const TOLERANCE = 1e-5;
const IMAGES = 256;

const setup = await conformanceModels(1);
const table: { model: string; row: ParityRow }[] = [];
const sizes: string[] = [];
let images: ParityImages;

beforeAll(async () => {
  await tf.setBackend('cpu');
  images = await conformanceImages(IMAGES);
});

afterAll(() => {
  console.log(
    `\nTFLite parity (${setup.source}; ${IMAGES} Fashion-MNIST test images, TF.js cpu as reference)\n` +
      `${formatParityTable(table)}\n${sizes.join('\n')}`,
  );
});

describe(`TFLite export conformance (${setup.source})`, () => {
  for (const entry of setup.models) {
    it(`${entry.name}: tfjs-tflite matches TF.js within ${TOLERANCE} with identical top-1`, async () => {
      const model = entry.build();
      const { bytes } = exportTflite(model);
      const info = readTfliteModel(bytes);
      sizes.push(
        `${entry.name}: ${bytes.length} bytes, ${info.subgraphs[0]!.operators.length} operators, ` +
          `${info.buffers.length} buffers`,
      );
      const report = await measureTfliteParity(model, bytes, images, { batchSize: 64 });
      for (const row of report.rows) table.push({ model: entry.name, row });
      for (const row of report.rows) {
        expect(row.maxAbsDiff, `${row.runtime} ${row.optLevel}`).toBeLessThanOrEqual(TOLERANCE);
        expect(row.top1Agree, `${row.runtime} ${row.optLevel}`).toBe(IMAGES);
      }
      model.dispose();
    });
  }
});
