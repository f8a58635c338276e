/**
 * Parity between a TF.js model and its export: runs both on the same images and reports, per
 * runtime and optimisation level, the largest absolute difference of the outputs and how many
 * images get the same top-1 class. Runtimes are pluggable (onnxruntime-node built in; the
 * conformance suite adds onnxruntime-web; export/tflite/parity.ts adds tfjs-tflite).
 */

import * as tf from '@tensorflow/tfjs';
import { ONNX_METADATA_KEYS } from './emit-onnx.js';
import { onnx } from './proto.js';

/** Images as the trainer's batches carry them: NHWC float32, already normalised. */
export interface ParityImages {
  /** Pixels, row-major NHWC. */
  readonly x: Float32Array;
  /** [count, height, width, channels]. */
  readonly shape: readonly [number, number, number, number];
}

/** A loaded ONNX model that maps one input batch to the first output. */
export interface ParitySession {
  /** Runs the model on `x` (already in the model's input layout) and returns the first output. */
  run(x: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** Frees the session. */
  release(): Promise<void>;
}

/** An ONNX runtime configuration under test. */
export interface ParityRuntime {
  /** Runtime name, e.g. `onnxruntime-node`. */
  readonly name: string;
  /** Optimisation level or other variant label. */
  readonly optLevel: string;
  /** Loads the model bytes; names are the model's input and output names. */
  createSession(bytes: Uint8Array, names: { input: string; output: string }): Promise<ParitySession>;
}

/** One row of a parity report. */
export interface ParityRow {
  readonly runtime: string;
  readonly optLevel: string;
  /** Images compared. */
  readonly images: number;
  /** Largest |tfjs - exported| over every output element. */
  readonly maxAbsDiff: number;
  /** Images whose top-1 class agrees, out of `images`. */
  readonly top1Agree: number;
}

/** What measureParity measured. */
export interface ParityReport {
  /** The model's input layout read from its metadata. */
  readonly inputLayout: string;
  /** One row per runtime configuration. */
  readonly rows: readonly ParityRow[];
}

/** onnxruntime-node graph optimisation levels. */
export type OrtOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** onnxruntime-node at each given graph optimisation level (single-threaded, CPU). */
export function onnxruntimeNodeRuntimes(
  levels: readonly OrtOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'],
): ParityRuntime[] {
  return levels.map((level) => ({
    name: 'onnxruntime-node',
    optLevel: level,
    async createSession(bytes, names) {
      const ort = await import('onnxruntime-node');
      const session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: level,
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      });
      return {
        async run(x, shape) {
          const result = await session.run({ [names.input]: new ort.Tensor('float32', x, [...shape]) });
          return result[names.output]!.data as Float32Array;
        },
        release: () => session.release(),
      };
    },
  }));
}

/** Input/output names and input layout of an ONNX model. */
export function readOnnxSignature(bytes: Uint8Array): { input: string; output: string; inputLayout: string } {
  const model = onnx.ModelProto.decode(bytes);
  const layout = model.metadataProps.find((p) => p.key === ONNX_METADATA_KEYS.inputLayout)?.value ?? 'NCHW';
  return {
    input: model.graph?.input?.[0]?.name ?? 'input',
    output: model.graph?.output?.[0]?.name ?? 'probs',
    inputLayout: layout,
  };
}

function toNchw(x: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < h!; i++)
      for (let j = 0; j < w!; j++)
        for (let k = 0; k < c!; k++)
          out[((b * c! + k) * h! + i) * w! + j] = x[((b * h! + i) * w! + j) * c! + k]!;
  return out;
}

function argmaxRows(data: Float32Array, rows: number): Int32Array {
  const cols = data.length / rows;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < cols; k++) if (data[r * cols + k]! > data[r * cols + best]!) best = k;
    out[r] = best;
  }
  return out;
}

/** Input/output names and input layout of an exported model, as measureParity feeds it. */
export interface ParitySignature {
  readonly input: string;
  readonly output: string;
  /** 'NHWC' or 'NCHW'. */
  readonly inputLayout: string;
}

/** Options of measureParity. */
export interface MeasureParityOptions {
  /** Runtimes to compare. @default onnxruntimeNodeRuntimes() */
  readonly runtimes?: readonly ParityRuntime[];
  /** Images per batch. @default 64 */
  readonly batchSize?: number;
  /** Signature of `bytes`; read from the ONNX model when absent (other formats must pass it). */
  readonly signature?: ParitySignature;
}

/**
 * Compares `model` (TF.js, current backend) with its export `bytes` on every runtime, batch by
 * batch. Format-agnostic given `signature` (TFLite uses it through measureTfliteParity).
 */
export async function measureParity(
  model: tf.LayersModel,
  bytes: Uint8Array,
  images: ParityImages,
  options: MeasureParityOptions = {},
): Promise<ParityReport> {
  const runtimes = options.runtimes ?? onnxruntimeNodeRuntimes();
  const batchSize = options.batchSize ?? 64;
  const signature = options.signature ?? readOnnxSignature(bytes);
  const [count, h, w, c] = images.shape;
  const per = h * w * c;
  const batches: { x: Float32Array; shape: number[]; expected: Float32Array }[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = images.x.subarray(start * per, (start + n) * per);
    const shape = [n, h, w, c];
    const expected = tf.tidy(
      () => (model.predict(tf.tensor4d(x, [n, h, w, c])) as tf.Tensor).dataSync() as Float32Array,
    );
    batches.push({
      x: signature.inputLayout === 'NCHW' ? toNchw(x, shape) : new Float32Array(x),
      shape,
      expected,
    });
  }
  const rows: ParityRow[] = [];
  for (const runtime of runtimes) {
    const session = await runtime.createSession(bytes, signature);
    let maxAbsDiff = 0;
    let top1Agree = 0;
    try {
      for (const batch of batches) {
        const [n, bh, bw, bc] = batch.shape as [number, number, number, number];
        const feedShape = signature.inputLayout === 'NCHW' ? [n, bc, bh, bw] : batch.shape;
        const actual = await session.run(batch.x, feedShape);
        for (let i = 0; i < actual.length; i++)
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(actual[i]! - batch.expected[i]!));
        if (actual.length !== batch.expected.length) maxAbsDiff = Number.POSITIVE_INFINITY;
        const a = argmaxRows(actual, n);
        const e = argmaxRows(batch.expected, n);
        for (let i = 0; i < n; i++) if (a[i] === e[i]) top1Agree++;
      }
    } finally {
      await session.release();
    }
    rows.push({ runtime: runtime.name, optLevel: runtime.optLevel, images: count, maxAbsDiff, top1Agree });
  }
  return { inputLayout: signature.inputLayout, rows };
}

/** Markdown table of parity rows, one line per (model, runtime, level). */
export function formatParityTable(entries: readonly { model: string; row: ParityRow }[]): string {
  const lines = [
    '| model | runtime | opt level | max abs diff | top-1 agreement |',
    '| --- | --- | --- | --- | --- |',
    ...entries.map(
      ({ model, row }) =>
        `| ${model} | ${row.runtime} | ${row.optLevel} | ${row.maxAbsDiff.toExponential(2)} | ${row.top1Agree}/${row.images} |`,
    ),
  ];
  return lines.join('\n');
}
