/**
 * Measurements of quantised files: top-1 predictions in onnxruntime-node, onnxruntime-web (wasm)
 * and tfjs-tflite, accuracy and agreement from them, and onnxruntime-node latency (median of N timed
 * runs after warm-up, single-threaded). Used by the quantize pass's report and its accuracy-aware fallback.
 */

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadTfliteModel } from '@edgeml/runtime-edge/node';
import { medianRunMs, withTimingSession } from '../../export/onnx/ort-timing.js';
import type { ParityImages } from '../../export/onnx/parity.js';

function argmaxRows(data: Float32Array, rows: number, out: Int32Array, offset: number): void {
  const cols = data.length / rows;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < cols; k++) if (data[r * cols + k]! > data[r * cols + best]!) best = k;
    out[offset + r] = best;
  }
}

/** The part of an onnxruntime InferenceSession (node or web) that predictions need. */
interface OrtLikeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}

async function sessionPredictions(
  session: OrtLikeSession,
  makeTensor: (x: Float32Array, shape: number[]) => unknown,
  images: ParityImages,
  batchSize: number,
): Promise<Int32Array> {
  try {
    const [n, h, w, c] = images.shape;
    const per = h * w * c;
    const top1 = new Int32Array(n);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const x = images.x.subarray(start * per, (start + count) * per);
      const result = await session.run({ [session.inputNames[0]!]: makeTensor(x, [count, h, w, c]) });
      argmaxRows(result[session.outputNames[0]!]!.data as Float32Array, count, top1, start);
    }
    return top1;
  } finally {
    await session.release();
  }
}

/** Top-1 class of every image in onnxruntime-node (NHWC float input `input`, first output). */
export async function ortPredictions(
  bytes: Uint8Array,
  images: ParityImages,
  batchSize = 256,
): Promise<Int32Array> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
  });
  return sessionPredictions(session, (x, shape) => new ort.Tensor('float32', x, shape), images, batchSize);
}

/**
 * An onnxruntime-web session on its WebAssembly backend, run inside Node (one thread, the `.wasm`
 * files shipped in the onnxruntime-web package), with the module it came from.
 */
export async function ortWebSession(bytes: Uint8Array) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = `${dirname(createRequire(import.meta.url).resolve('onnxruntime-web'))}/`;
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  return { ort, session };
}

/**
 * Top-1 class of every image in onnxruntime-web's WebAssembly backend, run inside Node (one thread,
 * the `.wasm` files shipped in the onnxruntime-web package): the engine browsers and Workers run.
 */
export async function ortWebPredictions(
  bytes: Uint8Array,
  images: ParityImages,
  batchSize = 256,
): Promise<Int32Array> {
  const { ort, session } = await ortWebSession(bytes);
  return sessionPredictions(
    session as unknown as OrtLikeSession,
    (x, shape) => new ort.Tensor('float32', x, shape),
    images,
    batchSize,
  );
}

/** Top-1 class of every image in tfjs-tflite (float input and output files). */
export async function tflitePredictions(bytes: Uint8Array, images: ParityImages): Promise<Int32Array> {
  const model = await loadTfliteModel(bytes);
  try {
    const probs = model.predict(images.x, images.shape);
    const top1 = new Int32Array(images.shape[0]);
    argmaxRows(probs, images.shape[0], top1, 0);
    return top1;
  } finally {
    model.close();
  }
}

/** Fraction of equal entries. */
export function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? Number.NaN : same / a.length;
}

/** Median latency in milliseconds of `runs` onnxruntime-node runs at `batch` (after 10 warm-up runs). */
export async function ortLatencyMs(
  bytes: Uint8Array,
  images: ParityImages,
  batch: number,
  runs: number,
): Promise<number> {
  return withTimingSession(bytes, async (session, ort) => {
    const [n, h, w, c] = images.shape;
    const per = h * w * c;
    const x = new Float32Array(batch * per);
    for (let i = 0; i < batch; i++) x.set(images.x.subarray((i % n) * per, ((i % n) + 1) * per), i * per);
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', x, [batch, h, w, c]) };
    return medianRunMs(session, feeds, 10, runs);
  });
}
