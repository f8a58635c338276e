/**
 * The float-vs-int8 measurements of the quantize report: top-1 accuracy and agreement in each
 * runtime that reads the files (onnxruntime-node, onnxruntime-web's wasm build, tfjs-tflite), and
 * the ORT kernels that ran plus onnxruntime-node latency at batch 1 and 32.
 */

import type { ProgressCallback } from '@edgeml/core';
import { profileOnnxKernels } from '../../export/onnx/ort-profile.js';
import type { ParityImages } from '../../export/onnx/parity.js';
import { agreement, ortLatencyMs, ortPredictions, ortWebPredictions, tflitePredictions } from './measure.js';
import type { LabeledImages, QuantizationReport, RuntimeAccuracy } from './quantize-types.js';

/** The float and int8 files to compare (TFLite only for static quantisation). */
export interface FloatAndInt8Files {
  readonly floatOnnx: Uint8Array;
  readonly int8Onnx: Uint8Array;
  readonly floatTflite?: Uint8Array;
  readonly int8Tflite?: Uint8Array;
}

type Predict = (bytes: Uint8Array, images: ParityImages) => Promise<Int32Array>;

/** Top-1 accuracy float vs int8 and their agreement on `images`, per runtime. */
export async function compareAccuracy(
  files: FloatAndInt8Files,
  images: LabeledImages,
  onProgress: ProgressCallback,
): Promise<RuntimeAccuracy[]> {
  const runtimes: [string, Predict, Uint8Array, Uint8Array][] = [
    ['onnxruntime-node', ortPredictions, files.floatOnnx, files.int8Onnx],
    ['onnxruntime-web (wasm)', ortWebPredictions, files.floatOnnx, files.int8Onnx],
  ];
  if (files.floatTflite && files.int8Tflite) {
    runtimes.push(['tfjs-tflite', tflitePredictions, files.floatTflite, files.int8Tflite]);
  }
  const accuracy: RuntimeAccuracy[] = [];
  for (const [i, [runtime, predict, floatBytes, int8Bytes]] of runtimes.entries()) {
    onProgress({ phase: 'evaluate', current: i, total: runtimes.length, message: runtime });
    const float = await predict(floatBytes, images);
    const int8 = await predict(int8Bytes, images);
    accuracy.push({
      runtime,
      float: agreement(float, images.labels),
      int8: agreement(int8, images.labels),
      top1Agreement: agreement(float, int8),
    });
  }
  onProgress({ phase: 'evaluate', current: runtimes.length, total: runtimes.length });
  return accuracy;
}

/** The ORT kernels each ONNX file runs (one image of `probe`) and, with `runs` > 0, their latency at batch 1 and 32. */
export async function compareSpeed(
  files: FloatAndInt8Files,
  probe: ParityImages,
  runs: number,
  onProgress: ProgressCallback,
): Promise<Pick<QuantizationReport, 'kernels' | 'latencyMs'>> {
  onProgress({ phase: 'latency', current: 0, total: 2 });
  const [, h, w, c] = probe.shape;
  const one = { name: 'input', x: probe.x.subarray(0, h * w * c), shape: [1, h, w, c] };
  const kernels = {
    float: await profileOnnxKernels(files.floatOnnx, one),
    int8: await profileOnnxKernels(files.int8Onnx, one),
  };
  const latencyMs: QuantizationReport['latencyMs'][number][] = [];
  for (const batch of runs > 0 ? [1, 32] : []) {
    const float = await ortLatencyMs(files.floatOnnx, probe, batch, runs);
    const int8 = await ortLatencyMs(files.int8Onnx, probe, batch, runs);
    latencyMs.push({ batch, float, int8, speedup: float / int8 });
  }
  return { kernels, latencyMs };
}
