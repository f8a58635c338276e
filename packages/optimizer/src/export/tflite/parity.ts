/**
 * Parity of a TFLite export with its TF.js model: measureParity (export/onnx/parity.ts, shared by
 * every emitter) with the TFLite file's signature and the tfjs-tflite runtime in Node.
 */

import { type LoadTfliteOptions, loadTfliteModel } from '@edgeml/runtime-edge/node';
import type * as tf from '@tensorflow/tfjs';
import type { ParityImages, ParityReport, ParityRuntime } from '../onnx/parity.js';
import { measureParity } from '../onnx/parity.js';
import { readTfliteMetadata } from './read-tflite.js';

/** tfjs-tflite's WebAssembly interpreter (non-threaded SIMD build, XNNPACK) in Node, as a parity runtime. */
export function tfliteNodeRuntime(options: LoadTfliteOptions = {}): ParityRuntime {
  return {
    name: 'tfjs-tflite (wasm)',
    optLevel: 'default',
    async createSession(bytes) {
      const model = await loadTfliteModel(bytes, options);
      return {
        run: async (x, shape) => model.predict(x, shape),
        release: async () => model.close(),
      };
    },
  };
}

/** Compares `model` (TF.js, current backend) with `tfliteBytes` on each runtime (default: tfjs-tflite in Node). */
export async function measureTfliteParity(
  model: tf.LayersModel,
  tfliteBytes: Uint8Array,
  images: ParityImages,
  options: { runtimes?: readonly ParityRuntime[]; batchSize?: number } = {},
): Promise<ParityReport> {
  const metadata = readTfliteMetadata(tfliteBytes);
  return measureParity(model, tfliteBytes, images, {
    runtimes: options.runtimes ?? [tfliteNodeRuntime()],
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    signature: {
      input: metadata?.inputName ?? 'input',
      output: metadata?.outputName ?? 'probs',
      inputLayout: 'NHWC',
    },
  });
}
