/**
 * What every edgeml wasm kernel needs: call another kernel of the wasm backend directly (so the work
 * runs in its SIMD/XNNPACK code, not in JS), view a tensor under another shape without copying, free
 * intermediates, and a native strided slice (tfjs-backend-wasm routes stride-1 slices to a JS loop).
 *
 * Kernels here bypass the engine: each intermediate they create owns one reference on the backend and
 * must be released with `release`; views (`view`) own none and must not be released.
 */

import { UnsupportedError } from '@edgeml/core';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { getKernel } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The wasm backend as the kernels see it. */
export type WasmBackend = BackendWasm;

/** Runs a kernel registered for 'wasm' (ours included) on the backend, outside the engine. */
export function callKernel(
  backend: WasmBackend,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new UnsupportedError(`kernel '${kernelName}' is not registered for the wasm backend`);
  }
  return config.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** The same data under another shape (same size); owns no reference, never release it. */
export function view(tensor: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: tensor.dataId, shape, dtype: tensor.dtype };
}

/** Drops the reference an intermediate result holds. */
export function release(backend: WasmBackend, ...tensors: TensorInfo[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

/** The backend's numeric id of a tensor (what its C++ functions take). */
export function tensorId(backend: WasmBackend, tensor: TensorInfo): number {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (data === undefined) throw new UnsupportedError('tensor is not stored in the wasm backend');
  return data.id;
}

type NativeStridedSlice = (
  xId: number,
  xStrides: Uint8Array,
  xRank: number,
  begin: Uint8Array,
  end: Uint8Array,
  strides: Uint8Array,
  outShape: Uint8Array,
  outStrides: Uint8Array,
  outRank: number,
  outId: number,
) => void;

const stridedSliceByModule = new WeakMap<object, NativeStridedSlice>();

function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/**
 * x[begin : begin + (size-1)*step + 1 : step] per axis, copied by the backend's C++ StridedSlice
 * (a memcpy-speed loop), whatever the steps. Returns a new tensor of shape `size`.
 */
export function stridedSlice(
  backend: WasmBackend,
  x: TensorInfo,
  begin: readonly number[],
  size: readonly number[],
  steps: readonly number[],
): TensorInfo {
  let fn = stridedSliceByModule.get(backend.wasm);
  if (fn === undefined) {
    const module = backend.wasm as unknown as { cwrap(name: string, ret: null, args: string[]): unknown };
    fn = module.cwrap('StridedSlice', null, [
      'number',
      'array',
      'number',
      'array',
      'array',
      'array',
      'array',
      'array',
      'number',
      'number',
    ]) as NativeStridedSlice;
    stridedSliceByModule.set(backend.wasm, fn);
  }
  const end = begin.map((b, i) => b + (size[i]! - 1) * steps[i]! + 1);
  const out = backend.makeOutput([...size], x.dtype);
  fn(
    tensorId(backend, x),
    int32Bytes(rowMajorStrides(x.shape)),
    x.shape.length,
    int32Bytes(begin),
    int32Bytes(end),
    int32Bytes(steps),
    int32Bytes(size),
    int32Bytes(rowMajorStrides(size)),
    size.length,
    tensorId(backend, out),
  );
  return out;
}

type NativeTranspose = (
  xId: number,
  xShape: Uint8Array,
  xRank: number,
  dtype: number,
  outId: number,
  perm: Uint8Array,
  permLength: number,
) => void;

const transposeByModule = new WeakMap<object, NativeTranspose>();

/**
 * Transposes float32 `x` by `perm` into the memory of `out` (which may be larger than x: the rest of
 * it is left as it is), with the backend's C++ Transpose.
 */
export function transposeInto(
  backend: WasmBackend,
  x: TensorInfo,
  perm: readonly number[],
  out: TensorInfo,
): void {
  let fn = transposeByModule.get(backend.wasm);
  if (fn === undefined) {
    const module = backend.wasm as unknown as { cwrap(name: string, ret: null, args: string[]): unknown };
    fn = module.cwrap('Transpose', null, [
      'number',
      'array',
      'number',
      'number',
      'number',
      'array',
      'number',
    ]) as NativeTranspose;
    transposeByModule.set(backend.wasm, fn);
  }
  fn(
    tensorId(backend, x),
    int32Bytes(x.shape),
    x.shape.length,
    0,
    tensorId(backend, out),
    int32Bytes(perm),
    perm.length,
  );
}

/** Zero-pads a tensor by [before, after] per axis (no copy when all are zero: returns x itself). */
export function padZeros(
  backend: WasmBackend,
  x: TensorInfo,
  paddings: readonly (readonly [number, number])[],
): { tensor: TensorInfo; owned: boolean } {
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return { tensor: x, owned: false };
  const tensor = callKernel(backend, 'PadV2', { x }, { paddings, constantValue: 0 });
  return { tensor, owned: true };
}

/**
 * A tensor over `base`'s memory starting `offset` float32 elements in (no copy), registered with the
 * backend so its C++ kernels accept it. Release it with `releaseAlias`, never with `release`.
 */
export function alias(backend: WasmBackend, base: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const data = backend.dataIdMap.get(base.dataId);
  if (data === undefined) throw new UnsupportedError('tensor is not stored in the wasm backend');
  return backend.makeOutput(shape, 'float32', data.memoryOffset + offset * 4);
}

/** Unregisters an alias without freeing the memory it points into. */
export function releaseAlias(backend: WasmBackend, tensor: TensorInfo): void {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (data === undefined) return;
  (backend.wasm as unknown as { tfjs: { disposeData(id: number): void } }).tfjs.disposeData(data.id);
  backend.dataIdMap.delete(tensor.dataId);
}
