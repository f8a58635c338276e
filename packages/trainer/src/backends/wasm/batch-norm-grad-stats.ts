/**
 * EdgemlBatchNormGradStats (edgeml's own kernel name, wasm only): the two per-channel sums a
 * batch-norm gradient needs, in one pass over x and dy (JS over the wasm heap, four rows per
 * iteration, float64 sums):
 * row 0 = sum of dy, row 1 = sum of dy * (x - mean), over every axis but the last.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';

/** The kernel's name (see batch-norm-gradient.ts). */
export const BATCH_NORM_GRAD_STATS = 'EdgemlBatchNormGradStats';

/** Per-channel sums of dy and dy * (x - mean) over the rows of [rows, C] views, four rows per pass. */
export function gradStats(x: Float32Array, dy: Float32Array, mean: Float32Array): Float64Array {
  const channels = mean.length;
  const sumDy = new Float64Array(channels);
  const sumDyCentered = new Float64Array(channels);
  const m = Float64Array.from(mean);
  const c2 = 2 * channels;
  const c3 = 3 * channels;
  const n = x.length;
  let base = 0;
  for (; base + 4 * channels <= n; base += 4 * channels) {
    for (let c = 0; c < channels; c++) {
      const i = base + c;
      const g0 = dy[i]!;
      const g1 = dy[i + channels]!;
      const g2 = dy[i + c2]!;
      const g3 = dy[i + c3]!;
      const mc = m[c]!;
      sumDy[c]! += g0 + g1 + (g2 + g3);
      sumDyCentered[c]! +=
        g0 * (x[i]! - mc) + g1 * (x[i + channels]! - mc) + (g2 * (x[i + c2]! - mc) + g3 * (x[i + c3]! - mc));
    }
  }
  for (; base < n; base += channels) {
    for (let c = 0; c < channels; c++) {
      const g = dy[base + c]!;
      sumDy[c]! += g;
      sumDyCentered[c]! += g * (x[base + c]! - m[c]!);
    }
  }
  const sums = new Float64Array(2 * channels);
  sums.set(sumDy);
  sums.set(sumDyCentered, channels);
  return sums;
}

function batchNormGradStats(args: {
  inputs: { x: TensorInfo; dy: TensorInfo; mean: TensorInfo };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, backend } = args;
  const sums = gradStats(
    backend.typedArrayFromHeap(inputs.x) as Float32Array,
    backend.typedArrayFromHeap(inputs.dy) as Float32Array,
    backend.typedArrayFromHeap(inputs.mean) as Float32Array,
  );
  const out = backend.makeOutput([2, sums.length / 2], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}

/** Registration of EdgemlBatchNormGradStats for 'wasm'. */
export const batchNormGradStatsConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_STATS,
  backendName: 'wasm',
  kernelFunc: batchNormGradStats as unknown as KernelFunc,
};
