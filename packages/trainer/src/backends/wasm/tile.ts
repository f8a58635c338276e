/**
 * Tile for the wasm backend, fast for the broadcast pattern training produces (batch-norm and bias
 * gradients tile a [1, 1, 1, C] tensor to [N, H, W, C]): when every tiled axis precedes every
 * non-trivial input axis, the output is the input repeated end to end, written by doubling
 * memcpy-speed `copyWithin` calls instead of the backend's per-element index loop. Other cases
 * go to the backend's own kernel.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';

type Args = { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: { reps: number[] } };

/** Repeats of the whole input when `reps` only tiles leading size-1 axes, else undefined. */
export function flatRepeats(shape: readonly number[], reps: readonly number[]): number | undefined {
  let repeats = 1;
  let inBlock = false;
  for (let i = 0; i < shape.length; i++) {
    const r = reps[i] ?? 1;
    if (inBlock) {
      if (r !== 1) return undefined;
    } else if (shape[i] !== 1) {
      inBlock = true;
      if (r !== 1) return undefined;
    } else {
      repeats *= r;
    }
  }
  return repeats;
}

/** Wraps the backend's Tile with the flat-repeat fast path. */
export function createTileConfig(original: KernelConfig): KernelConfig {
  const originalFunc = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const repeats = flatRepeats(x.shape, attrs.reps);
    if (repeats === undefined || x.dtype === 'string' || x.dtype === 'complex64') return originalFunc(args);
    const outShape = x.shape.map((d, i) => d * (attrs.reps[i] ?? 1));
    const out = backend.makeOutput(outShape, x.dtype);
    const values = backend.typedArrayFromHeap(out);
    const block = backend.typedArrayFromHeap(x);
    values.set(block, 0);
    const total = values.length;
    let filled = block.length;
    while (filled < total) {
      const n = Math.min(filled, total - filled);
      values.copyWithin(filled, 0, n);
      filled += n;
    }
    return out;
  };
  const config: KernelConfig = {
    kernelName: 'Tile',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
