/**
 * A flat binary layout for a list of tensors: their float32 (or int32) values back to back,
 * little-endian, described by a JSON list of specs (name, shape, dtype, byte offset). Used for
 * checkpoint weights and optimizer slots; order is meaningful, names are informational.
 */
import { EdgemlError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

/** Where one tensor lies in the binary file. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** A tensor with a name. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** Reads the tensors' values and lays them out in one buffer. */
export async function encodeTensors(
  tensors: readonly NamedTensor[],
): Promise<{ data: Uint8Array; specs: TensorSpec[] }> {
  const values = await Promise.all(tensors.map(({ tensor }) => tensor.data()));
  const specs: TensorSpec[] = [];
  let offset = 0;
  tensors.forEach(({ name, tensor }, i) => {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const byteLength = (values[i]?.length ?? 0) * 4;
    specs.push({ name, shape: [...tensor.shape], dtype, byteOffset: offset, byteLength });
    offset += byteLength;
  });
  const data = new Uint8Array(offset);
  specs.forEach((spec, i) => {
    const v = values[i]!;
    const typed =
      spec.dtype === 'int32'
        ? Int32Array.from(v as ArrayLike<number>)
        : Float32Array.from(v as ArrayLike<number>);
    data.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), spec.byteOffset);
  });
  return { data, specs };
}

/** Rebuilds tensors from a buffer and its specs; throws CHECKPOINT_INVALID when they disagree. */
export function decodeTensors(data: Uint8Array, specs: readonly TensorSpec[], file: string): NamedTensor[] {
  return specs.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.byteLength !== count * 4 || spec.byteOffset + spec.byteLength > data.byteLength) {
      throw new EdgemlError('CHECKPOINT_INVALID', `${file}: tensor '${spec.name}' does not fit the file`, {
        file,
        tensor: spec.name,
      });
    }
    const bytes = data.slice(spec.byteOffset, spec.byteOffset + spec.byteLength);
    const values = spec.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return { name: spec.name, tensor: tf.tensor(values, [...spec.shape], spec.dtype) };
  });
}
