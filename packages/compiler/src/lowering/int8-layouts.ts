/**
 * Weight layouts of the int8 kernels (assembly/kernels-i8.ts), made once at compile time from the
 * IR's int8 weights, plus the requantisation constants: int8 pairs for i32x4.dot_i16x8_s, int32
 * bias padded to the kernel's lane count, float64 multipliers `inScale * weightScale[c] / outScale`
 * (computed exactly as the integer reference computes them).
 */

import type { FusedActivation, QuantParams } from '@edgeml/optimizer';

const INT8_MIN = -128;
const INT8_MAX = 127;

/** `n` rounded up to a multiple of `m`. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The int8 range a fused activation clamps to with output parameters `q` (the integer reference's bounds). */
export function activationBounds(activation: FusedActivation, q: QuantParams): [number, number] {
  const s = q.scale[0]!;
  const z = q.zeroPoint[0]!;
  const six = Math.min(Math.max(roundHalfToEven(6 / s) + z, INT8_MIN), INT8_MAX);
  if (activation === 'relu') return [Math.max(INT8_MIN, z), INT8_MAX];
  if (activation === 'relu6') return [Math.max(INT8_MIN, z), Math.min(INT8_MAX, six)];
  return [INT8_MIN, INT8_MAX];
}

/**
 * Conv2D / Dense int8 weights `[taps, C, K]` (HWIO flattened; Dense is one tap) as int8
 * `[taps][ceil(C/2)][K4][2]`: input channels 2p and 2p+1 side by side for each output channel.
 */
export function pairedConvWeights(w: Int8Array, taps: number, c: number, k: number): Int8Array {
  const pairs = Math.ceil(c / 2);
  const k4 = roundUp(k, 4);
  const out = new Int8Array(taps * pairs * k4 * 2);
  for (let t = 0; t < taps; t++)
    for (let ci = 0; ci < c; ci++)
      for (let co = 0; co < k; co++)
        out[((t * pairs + (ci >> 1)) * k4 + co) * 2 + (ci & 1)] = w[(t * c + ci) * k + co]!;
  return out;
}

/** DepthwiseConv2D int8 weights `[taps, K]` (K = C x multiplier) padded to `[taps][K8]`. */
export function depthwiseWeights(w: Int8Array, taps: number, k: number): Int8Array {
  const k8 = roundUp(k, 8);
  const out = new Int8Array(taps * k8);
  for (let t = 0; t < taps; t++) for (let i = 0; i < k; i++) out[t * k8 + i] = w[t * k + i]!;
  return out;
}

/** An int32 bias padded with zeros to `length`. */
export function paddedBias(bias: Int32Array, length: number): Int32Array {
  const out = new Int32Array(length);
  out.set(bias);
  return out;
}

/**
 * Requantisation multipliers `inScale * weightScale[c] / outScale` for `k` channels: in float64, or
 * with `float32` step by step in float32 as onnxruntime computes them (`(x * w) / y`, each rounded).
 */
export function requantMultipliers(
  inScale: number,
  weight: QuantParams,
  outScale: number,
  k: number,
  float32 = false,
): Float64Array {
  const m = new Float64Array(k);
  const f = Math.fround;
  for (let c = 0; c < k; c++) {
    const w = weight.scale[weight.scale.length === 1 ? 0 : c]!;
    m[c] = float32 ? f(f(f(inScale) * f(w)) / f(outScale)) : (inScale * w) / outScale;
  }
  return m;
}
