/**
 * Float32 reference kernels of the IR ops on NHWC data: plain loops written for clarity, used to
 * check passes and emitters numerically (and later as the int8 reference). Accumulation in float64.
 */

import { windowGeometry } from './shape-inference.js';
import type { Conv2DAttrs, DepthwiseConv2DAttrs, FusedActivation, PadAttrs, PoolAttrs } from './types.js';

/** A runtime value: row-major float32 data and its concrete shape. */
export interface RefTensor {
  /** Elements, row-major. */
  readonly data: Float32Array;
  /** Concrete shape (batch included). */
  readonly shape: readonly number[];
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Applies a (fused) activation in place. */
export function activateInPlace(data: Float32Array, activation: FusedActivation): Float32Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    switch (activation) {
      case 'relu':
        data[i] = Math.max(v, 0);
        break;
      case 'relu6':
        data[i] = Math.min(Math.max(v, 0), 6);
        break;
      case 'sigmoid':
        data[i] = 1 / (1 + Math.exp(-v));
        break;
      case 'hardSwish':
        data[i] = (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
        break;
      case 'none':
        break;
    }
  }
  return data;
}

/** Conv2D (HWIO weight) or DepthwiseConv2D ([kh, kw, C, M] weight) with optional bias and fused activation. */
export function convolve(
  x: RefTensor,
  weight: RefTensor,
  bias: Float32Array | undefined,
  attrs: Conv2DAttrs | DepthwiseConv2DAttrs,
  depthwise: boolean,
): RefTensor {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const [kh, kw, , cw] = weight.shape as [number, number, number, number];
  const cout = depthwise ? cin * cw : cw;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const { oh, ow, top, left } = windowGeometry(h, w, [kh, kw], attrs.strides, attrs.dilations, attrs.padding);
  const out = new Float32Array(n * oh * ow * cout);
  const acc = new Float64Array(cout);
  const xd = x.data;
  const wd = weight.data;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++) {
        for (let c = 0; c < cout; c++) acc[c] = bias?.[c] ?? 0;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - top + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = z * sw - left + j * dw;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * cin;
            const wBase = (i * kw + j) * cin * cw;
            for (let ci = 0; ci < cin; ci++) {
              const xv = xd[xBase + ci]!;
              if (xv === 0) continue;
              const wRow = wBase + ci * cw;
              if (depthwise) {
                for (let m = 0; m < cw; m++) acc[ci * cw + m]! += xv * wd[wRow + m]!;
              } else {
                for (let co = 0; co < cw; co++) acc[co]! += xv * wd[wRow + co]!;
              }
            }
          }
        }
        const oBase = ((b * oh + y) * ow + z) * cout;
        for (let c = 0; c < cout; c++) out[oBase + c] = acc[c]!;
      }
    }
  }
  return { data: activateInPlace(out, attrs.activation), shape: [n, oh, ow, cout] };
}

/** Dense: x [N, K] times weight [K, M] plus bias, then the fused activation. */
export function dense(
  x: RefTensor,
  weight: RefTensor,
  bias: Float32Array | undefined,
  activation: FusedActivation,
): RefTensor {
  const [n, k] = x.shape as [number, number];
  const m = weight.shape[1]!;
  const out = new Float32Array(n * m);
  const acc = new Float64Array(m);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < m; j++) acc[j] = bias?.[j] ?? 0;
    for (let i = 0; i < k; i++) {
      const xv = x.data[b * k + i]!;
      for (let j = 0; j < m; j++) acc[j]! += xv * weight.data[i * m + j]!;
    }
    for (let j = 0; j < m; j++) out[b * m + j] = acc[j]!;
  }
  return { data: activateInPlace(out, activation), shape: [n, m] };
}

/** Batch normalisation over the last axis with moving statistics. */
export function batchNorm(x: RefTensor, params: readonly Float32Array[], epsilon: number): RefTensor {
  const [gamma, beta, mean, variance] = params as [Float32Array, Float32Array, Float32Array, Float32Array];
  const c = x.shape[x.shape.length - 1]!;
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const k = i % c;
    out[i] = ((x.data[i]! - mean[k]!) / Math.sqrt(variance[k]! + epsilon)) * gamma[k]! + beta[k]!;
  }
  return { data: out, shape: x.shape };
}

/** Element-wise binary op with numpy broadcasting. */
export function broadcastBinary(a: RefTensor, b: RefTensor, op: (x: number, y: number) => number): RefTensor {
  const r = Math.max(a.shape.length, b.shape.length);
  const pad = (s: readonly number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]!));
  const strides = (s: number[]) => {
    const st = new Array<number>(r).fill(0);
    let acc = 1;
    for (let i = r - 1; i >= 0; i--) {
      st[i] = s[i] === 1 ? 0 : acc;
      acc *= s[i]!;
    }
    return st;
  };
  const ta = strides(sa);
  const tb = strides(sb);
  const out = new Float32Array(product(shape));
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < r; d++) {
      ia += idx[d]! * ta[d]!;
      ib += idx[d]! * tb[d]!;
    }
    out[o] = op(a.data[ia]!, b.data[ib]!);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape };
}

/**
 * The max or the mean of every pooling window of NHWC `data` (TF padding; padded pixels are never
 * counted), in float64, with the output shape: shared by the float and the int8 reference kernels.
 */
export function poolWindows(
  data: ArrayLike<number>,
  shape: readonly number[],
  attrs: PoolAttrs,
  kind: 'max' | 'avg',
): { values: Float64Array; shape: number[] } {
  const [n, h, w, c] = shape as [number, number, number, number];
  const [ph, pw] = attrs.poolSize;
  const [sh, sw] = attrs.strides;
  const { oh, ow, top, left } = windowGeometry(h, w, attrs.poolSize, attrs.strides, [1, 1], attrs.padding);
  const values = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++) {
        for (let k = 0; k < c; k++) {
          let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
          let count = 0;
          for (let i = 0; i < ph; i++) {
            const iy = y * sh - top + i;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < pw; j++) {
              const ix = z * sw - left + j;
              if (ix < 0 || ix >= w) continue;
              const v = data[((b * h + iy) * w + ix) * c + k]!;
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          values[((b * oh + y) * ow + z) * c + k] = kind === 'max' ? acc : acc / count;
        }
      }
    }
  }
  return { values, shape: [n, oh, ow, c] };
}

/** Max or average pooling, TF padding; average excludes padded pixels. */
export function pool(x: RefTensor, attrs: PoolAttrs, kind: 'max' | 'avg'): RefTensor {
  const { values, shape } = poolWindows(x.data, x.shape, attrs, kind);
  return { data: Float32Array.from(values), shape };
}

/** Mean over H and W: [N, C] (or [N, 1, 1, C] with keepDims). */
export function globalAvgPool(x: RefTensor, keepDims: boolean): RefTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = new Float32Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      let acc = 0;
      for (let i = 0; i < h * w; i++) acc += x.data[(b * h * w + i) * c + k]!;
      out[b * c + k] = acc / (h * w);
    }
  }
  return { data: out, shape: keepDims ? [n, 1, 1, c] : [n, c] };
}

/** Concatenation along `axis`. */
export function concat(xs: readonly RefTensor[], axis: number): RefTensor {
  const first = xs[0]!;
  const outer = product(first.shape.slice(0, axis));
  const inner = product(first.shape.slice(axis + 1));
  const total = xs.reduce((s, t) => s + t.shape[axis]!, 0);
  const out = new Float32Array(outer * total * inner);
  let offset = 0;
  for (const t of xs) {
    const block = t.shape[axis]! * inner;
    for (let o = 0; o < outer; o++)
      out.set(t.data.subarray(o * block, (o + 1) * block), o * total * inner + offset);
    offset += block;
  }
  return { data: out, shape: first.shape.map((d, i) => (i === axis ? total : d)) };
}

/** Zero padding of H and W. */
export function pad(x: RefTensor, attrs: PadAttrs): RefTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [[t, bt], [l, r]] = attrs.pads;
  const oh = h + t + bt;
  const ow = w + l + r;
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const src = (b * h + y) * w * c;
      out.set(x.data.subarray(src, src + w * c), ((b * oh + y + t) * ow + l) * c);
    }
  }
  return { data: out, shape: [n, oh, ow, c] };
}

/** Softmax along `axis`. */
export function softmax(x: RefTensor, axis: number): RefTensor {
  const outer = product(x.shape.slice(0, axis));
  const len = x.shape[axis]!;
  const inner = product(x.shape.slice(axis + 1));
  const out = new Float32Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * len + k) * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < len; k++) max = Math.max(max, x.data[at(k)]!);
      let sum = 0;
      for (let k = 0; k < len; k++) sum += Math.exp(x.data[at(k)]! - max);
      for (let k = 0; k < len; k++) out[at(k)] = Math.exp(x.data[at(k)]! - max) / sum;
    }
  }
  return { data: out, shape: x.shape };
}
