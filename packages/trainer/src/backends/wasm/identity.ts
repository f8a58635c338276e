/**
 * Identity for the wasm backend without a copy: the output shares the input's memory (one more
 * reference on it), as the cpu backend does and as the wasm backend's own Reshape does. Tensors
 * are immutable, so sharing is safe; the backend's Identity copies every byte (tf.clone, the
 * optimizers' and tfjs-layers' bookkeeping: ~70 calls per training step of the reference CNN).
 * Strings go to the backend's own kernel.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';

type Args = { inputs: { x: TensorInfo }; backend: WasmBackend };

/** Wraps the backend's Identity so that numeric tensors are shared instead of copied. */
export function createIdentityConfig(original: KernelConfig): KernelConfig {
  const originalFunc = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return originalFunc(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  const config: KernelConfig = {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
