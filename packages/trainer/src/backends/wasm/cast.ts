/**
 * Cast for the wasm backend without a copy when the dtype does not change (tfjs-core's ReLU
 * gradient casts float32 activations to float32, a full copy per ReLU): the output shares the
 * input's memory, as Identity does here. Real conversions go to the backend's own kernel.
 */

import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './kernel-context.js';

type Args = { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: { dtype: DataType } };

/** Wraps the backend's Cast so that same-dtype casts share memory instead of copying. */
export function createCastConfig(original: KernelConfig): KernelConfig {
  const originalFunc = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype !== args.attrs.dtype || x.dtype === 'string' || x.dtype === 'complex64') {
      return originalFunc(args);
    }
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  const config: KernelConfig = {
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
