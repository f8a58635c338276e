/**
 * The affine int8 arithmetic every part of quantisation shares: `real = scale * (q - zeroPoint)`.
 * Activations are per-tensor asymmetric int8 in [-128, 127] (the range always contains 0, so zero is
 * exact); weights are symmetric int8 in [-127, 127] with zero point 0, per output channel or per
 * tensor; biases are int32 with scale `inputScale * weightScale` and zero point 0 (TFLite int8
 * spec, the layout onnxruntime's QLinearConv/QGemm expect too). Rounding is half to even, as ONNX
 * QuantizeLinear specifies.
 */

import type { QuantParams } from '../../ir/types.js';

/** Smallest and largest int8 value. */
export const INT8_MIN = -128;
/** Largest int8 value. */
export const INT8_MAX = 127;
/** Largest magnitude of a symmetric int8 weight (-128 is never used). */
export const WEIGHT_INT8_MAX = 127;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Smallest scale ever written (a constant-zero tensor or channel would otherwise get scale 0). */
const MIN_SCALE = 1e-8;

/** A real-valued range [min, max] of a tensor. */
export interface TensorRange {
  readonly min: number;
  readonly max: number;
}

/** Rounds to the nearest integer, ties to even (ONNX QuantizeLinear, numpy). */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : Math.min(v, hi);
}

/** Per-tensor asymmetric int8 parameters of an activation with the given range (widened to contain 0). */
export function activationParams(range: TensorRange): QuantParams {
  const min = Math.min(range.min, 0);
  const max = Math.max(range.max, 0);
  const scale = Math.max((max - min) / (INT8_MAX - INT8_MIN), MIN_SCALE);
  const zeroPoint = clamp(roundHalfToEven(INT8_MIN - min / scale), INT8_MIN, INT8_MAX);
  return { scale: [scale], zeroPoint: [zeroPoint] };
}

/** Quantises one real value with scale `s` and zero point `z` to int8 (saturating). */
export function quantizeValue(x: number, s: number, z: number): number {
  return clamp(roundHalfToEven(x / s) + z, INT8_MIN, INT8_MAX);
}

/** Quantises `data` per tensor with `params` (scale[0], zeroPoint[0]). */
export function quantizeTensor(data: Float32Array, params: QuantParams): Int8Array {
  const s = params.scale[0]!;
  const z = params.zeroPoint[0]!;
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = quantizeValue(data[i]!, s, z);
  return out;
}

/** Dequantises int8 `data`; per-channel params index the channel as `flatIndex % scale.length`. */
export function dequantizeTensor(data: Int8Array | Int32Array, params: QuantParams): Float32Array {
  const out = new Float32Array(data.length);
  const c = params.scale.length;
  for (let i = 0; i < data.length; i++) {
    const k = c === 1 ? 0 : i % c;
    out[i] = params.scale[k]! * (data[i]! - params.zeroPoint[k]!);
  }
  return out;
}

/**
 * Symmetric int8 weights (zero point 0, values in [-127, 127]). `channels` > 1 gives one scale per
 * output channel, the channel of a flat index being `index % channels` (true of every IR weight
 * layout: HWIO, `[kh, kw, C, M]`, `[in, out]`); `axis` is recorded as the last axis.
 */
export function quantizeWeights(
  data: Float32Array,
  shape: readonly number[],
  channels: number,
): { data: Int8Array; params: QuantParams } {
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const k = i % channels;
    maxAbs[k] = Math.max(maxAbs[k]!, Math.abs(data[i]!));
  }
  const scale = Array.from(maxAbs, (m) => Math.max(m / WEIGHT_INT8_MAX, MIN_SCALE));
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const s = scale[i % channels]!;
    q[i] = clamp(roundHalfToEven(data[i]! / s), -WEIGHT_INT8_MAX, WEIGHT_INT8_MAX);
  }
  const params: QuantParams =
    channels === 1
      ? { scale, zeroPoint: [0] }
      : { scale, zeroPoint: new Array<number>(channels).fill(0), axis: shape.length - 1 };
  return { data: q, params };
}

/** Int32 bias with scale `inputScale * weightScale[c]` and zero point 0 (one scale per channel). */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScale: readonly number[],
): { data: Int32Array; params: QuantParams } {
  const n = bias.length;
  const scale = Array.from(
    { length: n },
    (_, c) => inputScale * weightScale[weightScale.length === 1 ? 0 : c]!,
  );
  const q = new Int32Array(n);
  for (let c = 0; c < n; c++) q[c] = clamp(roundHalfToEven(bias[c]! / scale[c]!), INT32_MIN, INT32_MAX);
  return { data: q, params: { scale, zeroPoint: new Array<number>(n).fill(0), axis: 0 } };
}
