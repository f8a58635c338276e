/**
 * NHWC (IR) <-> NCHW (ONNX) bookkeeping: the ONNX graph keeps every rank-4 activation in NCHW;
 * rank-2 tensors are the same in both. These helpers map shapes, axes and weights across.
 */

/** Permutation NHWC -> NCHW for Transpose. */
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
/** Permutation NCHW -> NHWC for Transpose. */
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

/** The ONNX shape of an IR (NHWC) tensor shape: rank 4 becomes NCHW, other ranks are unchanged. */
export function onnxShape(shape: readonly number[]): number[] {
  return shape.length === 4 ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : [...shape];
}

/** The ONNX axis of an IR (NHWC) axis of a tensor of the given rank. */
export function onnxAxis(axis: number, rank: number): number {
  if (rank !== 4) return axis;
  return [0, 2, 3, 1][axis]!;
}

/** True when NHWC and NCHW hold the same element order for this NHWC shape (H*W = 1 or C = 1). */
export function sameMemoryOrder(shape: readonly number[]): boolean {
  return shape.length !== 4 || shape[1]! * shape[2]! === 1 || shape[3] === 1;
}

/** Float weights, or int8 ones (the QOperator emitter): the permutations below move elements only. */
type WeightData = Float32Array | Int8Array;

/** Conv2D weight HWIO [kh, kw, in, out] -> ONNX OIHW [out, in, kh, kw]. */
export function hwioToOihw<T extends WeightData>(
  data: T,
  shape: readonly number[],
): { data: T; dims: number[] } {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const out = data.slice() as T;
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++)
          out[((o * ci + c) * kh + i) * kw + j] = data[((i * kw + j) * ci + c) * co + o]!;
  return { data: out, dims: [co, ci, kh, kw] };
}

/** Depthwise weight [kh, kw, C, M] -> ONNX grouped-conv weight [C * M, 1, kh, kw] (group = C). */
export function depthwiseToOihw<T extends WeightData>(
  data: T,
  shape: readonly number[],
): { data: T; dims: number[] } {
  const [kh, kw, c, m] = shape as [number, number, number, number];
  const out = data.slice() as T;
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let k = 0; k < c; k++)
        for (let q = 0; q < m; q++)
          out[((k * m + q) * kh + i) * kw + j] = data[((i * kw + j) * c + k) * m + q]!;
  return { data: out, dims: [c * m, 1, kh, kw] };
}
