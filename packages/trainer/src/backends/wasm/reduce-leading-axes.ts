/**
 * Sum and Mean for the wasm backend, fast when the reduced axes are the leading ones of an NHWC
 * tensor (batch-norm statistics and bias gradients reduce [N, H, W, C] over N, H, W). The backend
 * first transposes such a tensor so that the reduced axes are innermost (a full strided copy);
 * this sums the rows of the [R, C] view directly, column accumulators in a Float64Array. Other
 * reductions go to the backend's own kernels.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';

type Args = {
  inputs: { x: TensorInfo };
  backend: WasmBackend;
  attrs: { axis: number | number[]; keepDims: boolean };
};

/** Number of leading axes reduced, when `axis` is exactly [0, ..., k-1] with k < rank; else undefined. */
export function leadingAxes(rank: number, axis: number | number[]): number | undefined {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return undefined;
  return axes.every((a, i) => a === i) ? axes.length : undefined;
}

/** Sums of the columns of a row-major [rows, cols] matrix, in float64, four rows per pass. */
export function columnSums(values: Float32Array, rows: number, cols: number): Float64Array {
  const acc = new Float64Array(cols);
  const c2 = 2 * cols;
  const c3 = 3 * cols;
  let r = 0;
  let base = 0;
  for (; r + 4 <= rows; r += 4, base += 4 * cols) {
    for (let c = 0; c < cols; c++) {
      const i = base + c;
      acc[c]! += values[i]! + values[i + cols]! + (values[i + c2]! + values[i + c3]!);
    }
  }
  for (; r < rows; r++, base += cols) {
    for (let c = 0; c < cols; c++) acc[c]! += values[base + c]!;
  }
  return acc;
}

function createConfig(kernelName: 'Sum' | 'Mean', original: KernelConfig): KernelConfig {
  const originalFunc = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const k = leadingAxes(x.shape.length, attrs.axis);
    if (k === undefined || x.dtype !== 'float32') return originalFunc(args);
    const rows = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
    const kept = x.shape.slice(k);
    const cols = kept.reduce((p, d) => p * d, 1);
    const acc = columnSums(backend.typedArrayFromHeap(x) as Float32Array, rows, cols);
    const shape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(shape, 'float32');
    const scale = kernelName === 'Mean' ? 1 / rows : 1;
    const result = backend.typedArrayFromHeap(out) as Float32Array;
    for (let c = 0; c < cols; c++) result[c] = acc[c]! * scale;
    return out;
  };
  const config: KernelConfig = {
    kernelName,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

/** Wraps the backend's Sum with the leading-axes fast path. */
export const createSumConfig = (original: KernelConfig): KernelConfig => createConfig('Sum', original);

/** Wraps the backend's Mean with the leading-axes fast path. */
export const createMeanConfig = (original: KernelConfig): KernelConfig => createConfig('Mean', original);
