/**
 * IR weight layouts -> TFLite weight layouts. Activations need nothing: TFLite is NHWC like the IR
 * (so Flatten/Reshape/Concat axes carry over unchanged). Weights: Conv2D HWIO -> OHWI, depthwise
 * `[kh, kw, C, M]` -> `[1, kh, kw, C·M]` (same bytes: output channel `c·M + m` is already the
 * innermost index), Dense `[in, out]` -> FULLY_CONNECTED `[out, in]`.
 */

/** A converted weight: data and its TFLite shape. */
export interface TfliteWeight {
  readonly data: Float32Array;
  readonly shape: number[];
}

/** Conv2D weight HWIO `[kh, kw, in, out]` -> TFLite CONV_2D filter OHWI `[out, kh, kw, in]`. */
export function hwioToOhwi(data: Float32Array, shape: readonly number[]): TfliteWeight {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++)
          out[((o * kh + i) * kw + j) * ci + c] = data[((i * kw + j) * ci + c) * co + o]!;
  return { data: out, shape: [co, kh, kw, ci] };
}

/** Depthwise weight `[kh, kw, C, M]` -> TFLite DEPTHWISE_CONV_2D filter `[1, kh, kw, C·M]` (no copy). */
export function depthwiseToTflite(data: Float32Array, shape: readonly number[]): TfliteWeight {
  const [kh, kw, c, m] = shape as [number, number, number, number];
  return { data, shape: [1, kh, kw, c * m] };
}

/** Dense weight `[in, out]` -> TFLite FULLY_CONNECTED weight `[out, in]`. */
export function denseToOutIn(data: Float32Array, shape: readonly number[]): TfliteWeight {
  const [k, m] = shape as [number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < k; i++) for (let o = 0; o < m; o++) out[o * k + i] = data[i * m + o]!;
  return { data: out, shape: [m, k] };
}
