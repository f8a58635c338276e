/**
 * Serialises a TFLite model description with the `flatbuffers` builder: a small hand-written
 * subset of what flatc would generate from schema.fbs (Model, OperatorCode, SubGraph, Tensor,
 * Operator, Buffer, Metadata and the builtin options the emitter uses), field ids from schema.ts.
 * Buffer data is aligned to 16 bytes from the start of the file (`force_align: 16`) and
 * `buffers[0]` is the empty sentinel every non-constant tensor points at.
 */

import { Builder } from 'flatbuffers';
import { invalidModel } from '../../ir/errors.js';
import {
  BuiltinOptionsType,
  Field,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  TFLITE_BUFFER_ALIGNMENT,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from './schema.js';

/** Builtin options of one operator, tagged with the union member they are written as. */
export type TfliteBuiltinOptions =
  | {
      readonly type: 'Conv2DOptions';
      readonly padding: number;
      readonly strideW: number;
      readonly strideH: number;
      readonly activation: number;
      readonly dilationW: number;
      readonly dilationH: number;
    }
  | {
      readonly type: 'DepthwiseConv2DOptions';
      readonly padding: number;
      readonly strideW: number;
      readonly strideH: number;
      readonly depthMultiplier: number;
      readonly activation: number;
      readonly dilationW: number;
      readonly dilationH: number;
    }
  | {
      readonly type: 'Pool2DOptions';
      readonly padding: number;
      readonly strideW: number;
      readonly strideH: number;
      readonly filterW: number;
      readonly filterH: number;
      readonly activation: number;
    }
  | { readonly type: 'FullyConnectedOptions'; readonly activation: number }
  | { readonly type: 'SoftmaxOptions'; readonly beta: number }
  | { readonly type: 'ConcatenationOptions'; readonly axis: number; readonly activation: number }
  | { readonly type: 'AddOptions'; readonly activation: number }
  | { readonly type: 'MulOptions'; readonly activation: number }
  | { readonly type: 'ReshapeOptions'; readonly newShape: readonly number[] }
  | { readonly type: 'PadOptions' }
  | { readonly type: 'ReducerOptions'; readonly keepDims: boolean }
  | { readonly type: 'HardSwishOptions' };

/** One `OperatorCode`: a builtin op and its version. */
export interface TfliteOperatorCode {
  readonly builtinCode: number;
  readonly version: number;
}

/** One `Tensor` of the subgraph. */
export interface TfliteTensorDef {
  readonly name: string;
  /** Static shape (the batch fixed to the exported batch size). */
  readonly shape: readonly number[];
  /** Shape with -1 for dynamic dimensions; omitted when equal to `shape`. */
  readonly shapeSignature?: readonly number[];
  /** `TensorType` value. */
  readonly type: number;
  /** Index into `buffers` (0 = no data). */
  readonly buffer: number;
  /** Affine quantisation (`QuantizationParameters`) of an int8/int32 tensor. */
  readonly quantization?: {
    readonly scale: readonly number[];
    readonly zeroPoint: readonly number[];
    readonly quantizedDimension?: number;
  };
}

/** One `Operator`. */
export interface TfliteOperatorDef {
  readonly opcodeIndex: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options?: TfliteBuiltinOptions;
}

/** Everything `serializeTfliteModel` writes (one subgraph). */
export interface TfliteModelDef {
  readonly description: string;
  readonly operatorCodes: readonly TfliteOperatorCode[];
  readonly subgraph: {
    readonly name: string;
    readonly tensors: readonly TfliteTensorDef[];
    readonly inputs: readonly number[];
    readonly outputs: readonly number[];
    readonly operators: readonly TfliteOperatorDef[];
  };
  /** Buffer contents; index 0 must be empty (the sentinel). */
  readonly buffers: readonly Uint8Array[];
  /** `Model.metadata` entries (name -> buffer index). */
  readonly metadata: readonly { readonly name: string; readonly buffer: number }[];
}

function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

/** `Buffer { data:[ubyte] (force_align: 16) }`; an empty buffer has no `data` field at all. */
function writeBuffer(b: Builder, data: Uint8Array): number {
  let dataOffset = 0;
  if (data.length > 0) {
    // Pad so that the vector's first byte (after its length prefix) lands on a 16-byte boundary;
    // `finish` aligns the whole file to the largest alignment seen, so this holds from byte 0.
    b.prep(TFLITE_BUFFER_ALIGNMENT, data.length);
    dataOffset = b.createByteVector(data);
  }
  b.startObject(Field.Buffer.count);
  if (dataOffset) b.addFieldOffset(Field.Buffer.data, dataOffset, 0);
  return b.endObject();
}

/** `OperatorCode`: both the legacy byte code (clamped) and the int32 `builtin_code`, always written. */
function writeOperatorCode(b: Builder, code: TfliteOperatorCode): number {
  const f = Field.OperatorCode;
  b.startObject(f.count);
  b.addFieldInt8(
    f.deprecated_builtin_code,
    Math.min(code.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES),
    null,
  );
  b.addFieldInt32(f.version, code.version, null);
  b.addFieldInt32(f.builtin_code, code.builtinCode, null);
  return b.endObject();
}

/** `QuantizationParameters { scale:[float]; zero_point:[long]; quantized_dimension:int }`. */
function writeQuantization(b: Builder, q: NonNullable<TfliteTensorDef['quantization']>): number {
  const f = Field.QuantizationParameters;
  b.startVector(4, q.scale.length, 4);
  for (let i = q.scale.length - 1; i >= 0; i--) b.addFloat32(q.scale[i]!);
  const scale = b.endVector();
  b.startVector(8, q.zeroPoint.length, 8);
  for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i]!));
  const zeroPoint = b.endVector();
  b.startObject(f.count);
  b.addFieldOffset(f.scale, scale, 0);
  b.addFieldOffset(f.zero_point, zeroPoint, 0);
  b.addFieldInt32(f.quantized_dimension, q.quantizedDimension ?? 0, 0);
  return b.endObject();
}

function writeTensor(b: Builder, t: TfliteTensorDef): number {
  const f = Field.Tensor;
  const quantization = t.quantization ? writeQuantization(b, t.quantization) : 0;
  const shape = int32Vector(b, t.shape);
  const signature = t.shapeSignature ? int32Vector(b, t.shapeSignature) : 0;
  const name = b.createString(t.name);
  b.startObject(f.count);
  b.addFieldOffset(f.shape, shape, 0);
  b.addFieldInt8(f.type, t.type, null);
  b.addFieldInt32(f.buffer, t.buffer, null);
  b.addFieldOffset(f.name, name, 0);
  if (quantization) b.addFieldOffset(f.quantization, quantization, 0);
  if (signature) b.addFieldOffset(f.shape_signature, signature, 0);
  return b.endObject();
}

/** Writes the options table; returns its union type and offset. */
function writeOptions(b: Builder, o: TfliteBuiltinOptions): { type: number; offset: number } {
  const type = BuiltinOptionsType[o.type];
  switch (o.type) {
    case 'Conv2DOptions': {
      const f = Field.Conv2DOptions;
      b.startObject(f.count);
      b.addFieldInt8(f.padding, o.padding, null);
      b.addFieldInt32(f.stride_w, o.strideW, null);
      b.addFieldInt32(f.stride_h, o.strideH, null);
      b.addFieldInt8(f.fused_activation_function, o.activation, null);
      b.addFieldInt32(f.dilation_w_factor, o.dilationW, null);
      b.addFieldInt32(f.dilation_h_factor, o.dilationH, null);
      break;
    }
    case 'DepthwiseConv2DOptions': {
      const f = Field.DepthwiseConv2DOptions;
      b.startObject(f.count);
      b.addFieldInt8(f.padding, o.padding, null);
      b.addFieldInt32(f.stride_w, o.strideW, null);
      b.addFieldInt32(f.stride_h, o.strideH, null);
      b.addFieldInt32(f.depth_multiplier, o.depthMultiplier, null);
      b.addFieldInt8(f.fused_activation_function, o.activation, null);
      b.addFieldInt32(f.dilation_w_factor, o.dilationW, null);
      b.addFieldInt32(f.dilation_h_factor, o.dilationH, null);
      break;
    }
    case 'Pool2DOptions': {
      const f = Field.Pool2DOptions;
      b.startObject(f.count);
      b.addFieldInt8(f.padding, o.padding, null);
      b.addFieldInt32(f.stride_w, o.strideW, null);
      b.addFieldInt32(f.stride_h, o.strideH, null);
      b.addFieldInt32(f.filter_width, o.filterW, null);
      b.addFieldInt32(f.filter_height, o.filterH, null);
      b.addFieldInt8(f.fused_activation_function, o.activation, null);
      break;
    }
    case 'FullyConnectedOptions':
      b.startObject(Field.FullyConnectedOptions.count);
      b.addFieldInt8(Field.FullyConnectedOptions.fused_activation_function, o.activation, null);
      break;
    case 'SoftmaxOptions':
      b.startObject(Field.SoftmaxOptions.count);
      b.addFieldFloat32(Field.SoftmaxOptions.beta, o.beta, null);
      break;
    case 'ConcatenationOptions':
      b.startObject(Field.ConcatenationOptions.count);
      b.addFieldInt32(Field.ConcatenationOptions.axis, o.axis, null);
      b.addFieldInt8(Field.ConcatenationOptions.fused_activation_function, o.activation, null);
      break;
    case 'AddOptions':
      b.startObject(Field.AddOptions.count);
      b.addFieldInt8(Field.AddOptions.fused_activation_function, o.activation, null);
      break;
    case 'MulOptions':
      b.startObject(Field.MulOptions.count);
      b.addFieldInt8(Field.MulOptions.fused_activation_function, o.activation, null);
      break;
    case 'ReshapeOptions': {
      const shape = int32Vector(b, o.newShape);
      b.startObject(Field.ReshapeOptions.count);
      b.addFieldOffset(Field.ReshapeOptions.new_shape, shape, 0);
      break;
    }
    case 'ReducerOptions':
      b.startObject(Field.ReducerOptions.count);
      b.addFieldInt8(Field.ReducerOptions.keep_dims, o.keepDims ? 1 : 0, null);
      break;
    case 'PadOptions':
    case 'HardSwishOptions':
      b.startObject(0);
      break;
  }
  return { type, offset: b.endObject() };
}

function writeOperator(b: Builder, op: TfliteOperatorDef): number {
  const f = Field.Operator;
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const options = op.options ? writeOptions(b, op.options) : undefined;
  b.startObject(f.count);
  b.addFieldInt32(f.opcode_index, op.opcodeIndex, null);
  b.addFieldOffset(f.inputs, inputs, 0);
  b.addFieldOffset(f.outputs, outputs, 0);
  if (options) {
    b.addFieldInt8(f.builtin_options_type, options.type, null);
    b.addFieldOffset(f.builtin_options, options.offset, 0);
  }
  return b.endObject();
}

/** Serialises `def` as a `.tflite` file (schema version 3, identifier `TFL3`). */
export function serializeTfliteModel(def: TfliteModelDef): Uint8Array {
  if (def.buffers[0]?.length !== 0) throw invalidModel('TFLite buffers[0] must be the empty sentinel buffer');
  const b = new Builder(1024);
  // Buffers first: being written first, they end up at the back of the file, as flatc's TFLite
  // converter lays them out, after the small tables.
  const buffers = offsetVector(
    b,
    def.buffers.map((data) => writeBuffer(b, data)),
  );
  const codes = offsetVector(
    b,
    def.operatorCodes.map((c) => writeOperatorCode(b, c)),
  );
  const sg = def.subgraph;
  const tensors = offsetVector(
    b,
    sg.tensors.map((t) => writeTensor(b, t)),
  );
  const operators = offsetVector(
    b,
    sg.operators.map((op) => writeOperator(b, op)),
  );
  const inputs = int32Vector(b, sg.inputs);
  const outputs = int32Vector(b, sg.outputs);
  const sgName = b.createString(sg.name);
  const f = Field.SubGraph;
  b.startObject(f.count);
  b.addFieldOffset(f.tensors, tensors, 0);
  b.addFieldOffset(f.inputs, inputs, 0);
  b.addFieldOffset(f.outputs, outputs, 0);
  b.addFieldOffset(f.operators, operators, 0);
  b.addFieldOffset(f.name, sgName, 0);
  const subgraphs = offsetVector(b, [b.endObject()]);
  const metadata = offsetVector(
    b,
    def.metadata.map((m) => {
      const name = b.createString(m.name);
      b.startObject(Field.Metadata.count);
      b.addFieldOffset(Field.Metadata.name, name, 0);
      b.addFieldInt32(Field.Metadata.buffer, m.buffer, null);
      return b.endObject();
    }),
  );
  const description = b.createString(def.description);
  const m = Field.Model;
  b.startObject(m.count);
  b.addFieldInt32(m.version, TFLITE_SCHEMA_VERSION, null);
  b.addFieldOffset(m.operator_codes, codes, 0);
  b.addFieldOffset(m.subgraphs, subgraphs, 0);
  b.addFieldOffset(m.description, description, 0);
  b.addFieldOffset(m.buffers, buffers, 0);
  if (def.metadata.length > 0) b.addFieldOffset(m.metadata, metadata, 0);
  b.finish(b.endObject(), TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
