/**
 * Thin typed helpers over onnx-proto (the protobufjs static module of onnx.proto): initializers,
 * attributes and value infos, so the emitter reads as ONNX rather than protobuf plumbing.
 */

import onnxProto from 'onnx-proto';

/** The `onnx` namespace of onnx-proto (a CommonJS module). */
export const onnx = onnxProto.onnx;

/** ONNX attribute value as the emitter writes it. */
export type OnnxAttributeValue = number | readonly number[] | string | { float: number };

/** An AttributeProto: integers become INT/INTS, `{ float }` FLOAT, strings STRING. */
export function attribute(name: string, value: OnnxAttributeValue): onnxProto.onnx.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: Type.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: Type.INT, i: value };
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: [...(value as number[])] };
  return { name, type: Type.FLOAT, f: (value as { float: number }).float };
}

/** A float32 initializer stored as raw little-endian bytes. */
export function floatInitializer(
  name: string,
  dims: readonly number[],
  data: Float32Array,
): onnxProto.onnx.ITensorProto {
  const copy = new Float32Array(data);
  return {
    name,
    dims: [...dims],
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength),
  };
}

/** An int64 initializer (shapes, pads) stored as raw little-endian bytes. */
export function int64Initializer(name: string, values: readonly number[]): onnxProto.onnx.ITensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return {
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  };
}

/** A float32 graph input/output description; a dimension of -1 becomes the symbolic `N`. */
export function floatValueInfo(name: string, shape: readonly number[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (d < 0 ? { dimParam: 'N' } : { dimValue: d })) },
      },
    },
  };
}
