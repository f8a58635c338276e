/**
 * Measurements that pass reports share: parameters and MACs (describeModel), nonzero weights, the
 * exported ONNX file's size raw and gzipped (node:zlib, level 9), test accuracy, and inference
 * latency in onnxruntime-node (median of many runs, single-threaded). Latency is measured only
 * when asked: it is a benchmark number for reports, never asserted in tests.
 */
import { gzipSync } from 'node:zlib';
import { type DataSplit, describeModel, evaluate } from '@edgeml/trainer';
import type * as tf from '@tensorflow/tfjs';
import { exportOnnx } from '../export/onnx/export-onnx.js';
import { medianRunMs, withTimingSession } from '../export/onnx/ort-timing.js';

/** Size and sparsity of a model. */
export interface ModelSize {
  params: number;
  /** Weights of conv/dense kernels and biases that are not exactly zero. */
  nonzeroParams: number;
  /** Multiply-accumulates per image. */
  macs: number;
  /** Bytes of the float32 ONNX export. */
  onnxBytes: number;
  /** Bytes of that file gzipped (level 9). */
  onnxGzipBytes: number;
}

/** Size measurements of `model` (exports it to ONNX in memory). */
export function measureSize(model: tf.LayersModel): { size: ModelSize; onnx: Uint8Array } {
  const { params, macs } = describeModel(model);
  let nonzero = 0;
  for (const w of model.weights) {
    const data = w.read().dataSync() as Float32Array;
    for (const v of data) if (v !== 0) nonzero++;
  }
  const { bytes } = exportOnnx(model);
  const size = {
    params,
    nonzeroParams: nonzero,
    macs,
    onnxBytes: bytes.byteLength,
    onnxGzipBytes: gzipSync(bytes, { level: 9 }).byteLength,
  };
  return { size, onnx: bytes };
}

/** Test accuracy on `split` (optionally the first `limit` images of its seeded sample). */
export async function measureAccuracy(
  model: tf.LayersModel,
  split: DataSplit,
  limit: number | null,
): Promise<number> {
  return (await evaluate(model, split, limit === null ? {} : { limit })).accuracy;
}

/** Median latency in ms of one ONNX inference at each batch size. */
export interface OrtLatency {
  [key: string]: number;
  batch: number;
  medianMs: number;
  runs: number;
}

/** Times `bytes` in onnxruntime-node (optimisation 'all', 1 thread): warm-up, then the median of `runs`. */
export async function measureOrtLatency(
  bytes: Uint8Array,
  inputShape: readonly [number, number, number],
  { batches = [1, 32], runs = 50 }: { batches?: readonly number[]; runs?: number } = {},
): Promise<OrtLatency[]> {
  return withTimingSession(bytes, async (session, ort) => {
    const results: OrtLatency[] = [];
    for (const batch of batches) {
      const shape = [batch, ...inputShape];
      const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
      const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) };
      results.push({ batch, medianMs: await medianRunMs(session, feeds, 5, runs), runs });
    }
    return results;
  });
}
