/**
 * Integer reference kernels of the int8 ops, written from the TFLite int8 spec: int8 inputs minus
 * their zero point times int8 weights, accumulated in int32 (Int32Array) with the int32 bias, then
 * requantised with the real multiplier `inputScale * weightScale[c] / outputScale` (TFLite
 * approximates it with a fixed-point multiplier and shift; the difference is below one step),
 * plus the output zero point, clamped to int8 and to the fused activation's range.
 */

import { poolWindows } from '../../ir/reference-kernels.js';
import { windowGeometry } from '../../ir/shape-inference.js';
import type {
  Conv2DAttrs,
  DepthwiseConv2DAttrs,
  FusedActivation,
  PoolAttrs,
  QuantParams,
} from '../../ir/types.js';
import { INT8_MAX, INT8_MIN, quantizeValue } from './quant-math.js';

/** An int8 runtime value: data, concrete shape and its quantisation parameters. */
export interface Int8Value {
  readonly data: Int8Array;
  readonly shape: readonly number[];
  readonly quant: QuantParams;
}

/** The int8 bounds a fused activation clamps to with output parameters `q`. */
export function activationBounds(activation: FusedActivation, q: QuantParams): [number, number] {
  const s = q.scale[0]!;
  const z = q.zeroPoint[0]!;
  if (activation === 'relu') return [Math.max(INT8_MIN, z), INT8_MAX];
  if (activation === 'relu6') return [Math.max(INT8_MIN, z), Math.min(INT8_MAX, quantizeValue(6, s, z))];
  return [INT8_MIN, INT8_MAX];
}

function requantize(
  acc: Int32Array,
  multipliers: Float64Array,
  zeroPoint: number,
  bounds: [number, number],
  out: Int8Array,
  offset: number,
): void {
  const [lo, hi] = bounds;
  for (let c = 0; c < acc.length; c++) {
    const v = Math.round(acc[c]! * multipliers[c]!) + zeroPoint;
    out[offset + c] = v < lo ? lo : Math.min(v, hi);
  }
}

function multipliers(inScale: number, weight: QuantParams, outScale: number, channels: number): Float64Array {
  const m = new Float64Array(channels);
  for (let c = 0; c < channels; c++)
    m[c] = (inScale * weight.scale[weight.scale.length === 1 ? 0 : c]!) / outScale;
  return m;
}

/** Int8 Conv2D / DepthwiseConv2D (IR weight layouts) with int32 bias; output with `outQuant`. */
export function convInt8(
  x: Int8Value,
  weight: { data: Int8Array; shape: readonly number[]; quant: QuantParams },
  bias: Int32Array,
  attrs: Conv2DAttrs | DepthwiseConv2DAttrs,
  depthwise: boolean,
  outQuant: QuantParams,
): Int8Value {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const [kh, kw, , cw] = weight.shape as [number, number, number, number];
  const cout = depthwise ? cin * cw : cw;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const { oh, ow, top, left } = windowGeometry(h, w, [kh, kw], attrs.strides, attrs.dilations, attrs.padding);
  const zx = x.quant.zeroPoint[0]!;
  const m = multipliers(x.quant.scale[0]!, weight.quant, outQuant.scale[0]!, cout);
  const bounds = activationBounds(attrs.activation, outQuant);
  const out = new Int8Array(n * oh * ow * cout);
  const acc = new Int32Array(cout);
  const wd = weight.data;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++) {
        acc.set(bias);
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - top + i * dh;
          if (iy < 0 || iy >= h) continue; // padding holds the zero point: contributes 0
          for (let j = 0; j < kw; j++) {
            const ix = z * sw - left + j * dw;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * cin;
            const wBase = (i * kw + j) * cin * cw;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x.data[xBase + ci]! - zx;
              if (xv === 0) continue;
              const wRow = wBase + ci * cw;
              if (depthwise) for (let q = 0; q < cw; q++) acc[ci * cw + q]! += xv * wd[wRow + q]!;
              else for (let co = 0; co < cw; co++) acc[co]! += xv * wd[wRow + co]!;
            }
          }
        }
        requantize(acc, m, outQuant.zeroPoint[0]!, bounds, out, ((b * oh + y) * ow + z) * cout);
      }
    }
  }
  return { data: out, shape: [n, oh, ow, cout], quant: outQuant };
}

/** Int8 Dense: x [N, K] times weight [K, M] plus int32 bias. */
export function denseInt8(
  x: Int8Value,
  weight: { data: Int8Array; shape: readonly number[]; quant: QuantParams },
  bias: Int32Array,
  activation: FusedActivation,
  outQuant: QuantParams,
): Int8Value {
  const [n, k] = x.shape as [number, number];
  const mOut = weight.shape[1]!;
  const zx = x.quant.zeroPoint[0]!;
  const m = multipliers(x.quant.scale[0]!, weight.quant, outQuant.scale[0]!, mOut);
  const bounds = activationBounds(activation, outQuant);
  const out = new Int8Array(n * mOut);
  const acc = new Int32Array(mOut);
  for (let b = 0; b < n; b++) {
    acc.set(bias);
    for (let i = 0; i < k; i++) {
      const xv = x.data[b * k + i]! - zx;
      if (xv === 0) continue;
      const row = i * mOut;
      for (let j = 0; j < mOut; j++) acc[j]! += xv * weight.data[row + j]!;
    }
    requantize(acc, m, outQuant.zeroPoint[0]!, bounds, out, b * mOut);
  }
  return { data: out, shape: [n, mOut], quant: outQuant };
}

/** Int8 max or average pooling (output parameters = input parameters; average rounds to nearest). */
export function poolInt8(x: Int8Value, attrs: PoolAttrs, kind: 'max' | 'avg'): Int8Value {
  const { values, shape } = poolWindows(x.data, x.shape, attrs, kind);
  return { data: Int8Array.from(values, Math.round), shape, quant: x.quant };
}

/** Int8 mean over H and W (same parameters in and out). */
export function globalAvgPoolInt8(x: Int8Value, keepDims: boolean): Int8Value {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = new Int8Array(n * c);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < c; k++) {
      let acc = 0;
      for (let i = 0; i < h * w; i++) acc += x.data[(b * h * w + i) * c + k]!;
      out[b * c + k] = Math.round(acc / (h * w));
    }
  return { data: out, shape: keepDims ? [n, 1, 1, c] : [n, c], quant: x.quant };
}

/** Int8 ReLU / ReLU6 with requantisation to `outQuant`. */
export function activationInt8(x: Int8Value, kind: 'relu' | 'relu6', outQuant: QuantParams): Int8Value {
  const sx = x.quant.scale[0]!;
  const zx = x.quant.zeroPoint[0]!;
  const so = outQuant.scale[0]!;
  const zo = outQuant.zeroPoint[0]!;
  const [lo, hi] = activationBounds(kind, outQuant);
  const out = new Int8Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(((x.data[i]! - zx) * sx) / so) + zo;
    out[i] = v < lo ? lo : Math.min(v, hi);
  }
  return { data: out, shape: x.shape, quant: outQuant };
}

/**
 * Int8 element-wise Add of two same-shape tensors with their own parameters, requantised to
 * `outQuant`: `round((sa (a - za) + sb (b - zb)) / so) + zo`, clamped to int8 and to the fused
 * activation's range. TFLite computes the same sum in fixed point (inputs rescaled to twice the
 * larger input scale with a 20-bit left shift), onnxruntime's QLinearAdd in float; both land within
 * one step of this.
 */
export function addInt8(
  a: Int8Value,
  b: Int8Value,
  activation: FusedActivation,
  outQuant: QuantParams,
): Int8Value {
  if (a.data.length !== b.data.length) {
    throw new RangeError(`int8 Add needs inputs of equal size, got ${a.data.length} and ${b.data.length}`);
  }
  const ma = a.quant.scale[0]! / outQuant.scale[0]!;
  const mb = b.quant.scale[0]! / outQuant.scale[0]!;
  const za = a.quant.zeroPoint[0]!;
  const zb = b.quant.zeroPoint[0]!;
  const zo = outQuant.zeroPoint[0]!;
  const [lo, hi] = activationBounds(activation, outQuant);
  const out = new Int8Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round((a.data[i]! - za) * ma + (b.data[i]! - zb) * mb) + zo;
    out[i] = v < lo ? lo : Math.min(v, hi);
  }
  return { data: out, shape: a.shape, quant: outQuant };
}
