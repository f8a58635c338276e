/**
 * BatchMatMul for the wasm backend that keeps transposed products on the fast path. The backend
 * sends a matMul to XNNPACK only when neither operand is transposed and the batch is 1; otherwise
 * it runs a scalar triple loop (about 20x slower). Training's dense-layer gradients are exactly
 * x^T·dy and dy·W^T, so this kernel transposes the operand first (a cheap native copy) and then
 * calls the backend's own kernel on the fast path.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';
import { callKernel, release, view } from './kernel-context.js';

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}

type Args = { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend; attrs: Attrs };

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** Transposes the last two axes of a batch-1 matrix into a new [cols, rows] tensor. */
function transposed(backend: WasmBackend, m: TensorInfo): TensorInfo {
  const rows = m.shape[m.shape.length - 2]!;
  const cols = m.shape[m.shape.length - 1]!;
  return callKernel(backend, 'Transpose', { x: view(m, [rows, cols]) }, { perm: [1, 0] });
}

/** Wraps the backend's BatchMatMul so that batch-1 transposed products use its XNNPACK path. */
export function createBatchMatMulConfig(original: KernelConfig): KernelConfig {
  const originalFunc = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    if ((!attrs.transposeA && !attrs.transposeB) || product(outerA) !== 1 || product(outerB) !== 1) {
      return originalFunc(args);
    }
    const a2 = attrs.transposeA ? transposed(backend, a) : a;
    const b2 = attrs.transposeB ? transposed(backend, b) : b;
    try {
      const out = originalFunc({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { transposeA: false, transposeB: false },
      });
      const outer = outerA.length >= outerB.length ? outerA : outerB;
      return {
        ...out,
        shape: [...outer, out.shape[out.shape.length - 2]!, out.shape[out.shape.length - 1]!],
      };
    } finally {
      if (a2 !== a) release(backend, a2);
      if (b2 !== b) release(backend, b2);
    }
  };
  const config: KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  if (original.disposeFunc !== undefined) config.disposeFunc = original.disposeFunc;
  return config;
}
