/**
 * Reads what an app must know about a `.tflite` file from its flatbuffer, without a TFLite
 * runtime: the first subgraph's input and output tensors (name, shape, element type, int8/uint8
 * quantisation: scale, zero point, quantized dimension) and which element types its tensors use
 * (an int8 model with float32 I/O keeps QUANTIZE/DEQUANTIZE inside). A plain DataView walk of
 * the public schema (tensorflow/lite/schema/schema.fbs); web-standard code.
 */
import { EdgemlError } from '@edgeml/core';

/** TFLite `TensorType` names by enum value. */
const TENSOR_TYPES = [
  'float32',
  'float16',
  'int32',
  'uint8',
  'int64',
  'string',
  'bool',
  'int16',
  'complex64',
  'int8',
] as const;

/** Quantisation of one tensor: real = scale * (q - zeroPoint), per tensor or per `dimension`. */
export interface TfliteQuantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly quantizedDimension: number;
}

/** One input or output tensor. */
export interface TfliteIoTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Present when the tensor is quantised (scale stored). */
  readonly quantization?: TfliteQuantization;
}

/** The signature of a TFLite model's first subgraph. */
export interface TfliteSignature {
  readonly inputs: readonly TfliteIoTensor[];
  readonly outputs: readonly TfliteIoTensor[];
  /**
   * For float I/O around int8 compute: the int8 tensor the first input is quantised to (the
   * QUANTIZE right after it) and the last int8 tensor before the first output (walking back
   * through float ops such as DEQUANTIZE and SOFTMAX). Absent when there is none.
   */
  readonly int8Boundary?: { readonly input?: TfliteIoTensor; readonly output?: TfliteIoTensor };
  /** Element types of all tensors (weights and activations included), sorted. */
  readonly tensorTypes: readonly string[];
}

class FlatReader {
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Offset of field `id` inside the table at `table`, 0 when absent. */
  private field(table: number, id: number): number {
    const vtable = table - this.view.getInt32(table, true);
    const slot = 4 + 2 * id;
    return slot < this.view.getUint16(vtable, true) ? this.view.getUint16(vtable + slot, true) : 0;
  }

  private target(at: number): number {
    return at + this.view.getUint32(at, true);
  }

  root(): number {
    return this.view.getUint32(0, true);
  }

  identifier(): string {
    return String.fromCharCode(...[4, 5, 6, 7].map((i) => this.view.getUint8(i)));
  }

  int8(table: number, id: number, fallback = 0): number {
    const o = this.field(table, id);
    return o ? this.view.getInt8(table + o) : fallback;
  }

  int32(table: number, id: number, fallback = 0): number {
    const o = this.field(table, id);
    return o ? this.view.getInt32(table + o, true) : fallback;
  }

  string(table: number, id: number): string {
    const o = this.field(table, id);
    if (!o) return '';
    const at = this.target(table + o);
    const length = this.view.getUint32(at, true);
    return new TextDecoder().decode(new Uint8Array(this.view.buffer, this.view.byteOffset + at + 4, length));
  }

  /** Start and length of a vector field, or undefined when absent. */
  vector(table: number, id: number): { start: number; length: number } | undefined {
    const o = this.field(table, id);
    if (!o) return undefined;
    const at = this.target(table + o);
    return { start: at + 4, length: this.view.getUint32(at, true) };
  }

  /** The sub-table a table field points at, or undefined when absent. */
  table(table: number, id: number): number | undefined {
    const o = this.field(table, id);
    return o ? this.target(table + o) : undefined;
  }

  tables(table: number, id: number): number[] {
    const v = this.vector(table, id);
    return v ? Array.from({ length: v.length }, (_, i) => this.target(v.start + 4 * i)) : [];
  }

  int32s(table: number, id: number): number[] {
    const v = this.vector(table, id);
    return v ? Array.from({ length: v.length }, (_, i) => this.view.getInt32(v.start + 4 * i, true)) : [];
  }

  float32s(table: number, id: number): number[] {
    const v = this.vector(table, id);
    return v ? Array.from({ length: v.length }, (_, i) => this.view.getFloat32(v.start + 4 * i, true)) : [];
  }

  int64s(table: number, id: number): number[] {
    const v = this.vector(table, id);
    return v
      ? Array.from({ length: v.length }, (_, i) => Number(this.view.getBigInt64(v.start + 8 * i, true)))
      : [];
  }
}

// Field ids from schema.fbs.
const MODEL_SUBGRAPHS = 2;
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3 } as const;
const OPERATOR = { inputs: 1, outputs: 2 } as const;
const TENSOR = { shape: 0, type: 1, name: 3, quantization: 4 } as const;
const QUANT = { scale: 2, zeroPoint: 3, quantizedDimension: 6 } as const;

function tensorType(value: number): string {
  return TENSOR_TYPES[value] ?? `type-${value}`;
}

function readTensor(r: FlatReader, tensor: number): TfliteIoTensor {
  const base = {
    name: r.string(tensor, TENSOR.name),
    shape: r.int32s(tensor, TENSOR.shape),
    dtype: tensorType(r.int8(tensor, TENSOR.type)),
  };
  const q = r.table(tensor, TENSOR.quantization);
  const scale = q === undefined ? [] : r.float32s(q, QUANT.scale);
  if (q === undefined || scale.length === 0) return base;
  return {
    ...base,
    quantization: {
      scale,
      zeroPoint: r.int64s(q, QUANT.zeroPoint),
      quantizedDimension: r.int32(q, QUANT.quantizedDimension),
    },
  };
}

/** Tensor indices of the int8 boundary (see TfliteSignature.int8Boundary). */
function int8Boundary(r: FlatReader, subgraph: number, types: readonly string[]) {
  const ops = r.tables(subgraph, SUBGRAPH.operators).map((op) => ({
    inputs: r.int32s(op, OPERATOR.inputs),
    outputs: r.int32s(op, OPERATOR.outputs),
  }));
  const isInt8 = (index: number | undefined) => index !== undefined && types[index] === 'int8';
  const [modelInput] = r.int32s(subgraph, SUBGRAPH.inputs);
  const [modelOutput] = r.int32s(subgraph, SUBGRAPH.outputs);
  let input: number | undefined;
  if (modelInput !== undefined && !isInt8(modelInput)) {
    input = ops.find((op) => op.inputs[0] === modelInput && isInt8(op.outputs[0]))?.outputs[0];
  }
  let output: number | undefined;
  let current = modelOutput;
  for (let step = 0; step < 8 && current !== undefined && !isInt8(modelOutput); step++) {
    const producer = ops.find((op) => op.outputs.includes(current as number));
    current = producer?.inputs[0];
    if (isInt8(current)) {
      output = current;
      break;
    }
  }
  return { input, output };
}

/** Reads the signature of `bytes`; MODEL_INVALID when it is not a TFLite (`TFL3`) flatbuffer. */
export function readTfliteSignature(bytes: Uint8Array, file = '<tflite>'): TfliteSignature {
  const r = new FlatReader(bytes);
  if (bytes.byteLength < 8 || r.identifier() !== 'TFL3') {
    throw new EdgemlError('MODEL_INVALID', `'${file}' is not a TFLite file (no 'TFL3' identifier)`, { file });
  }
  try {
    const [subgraph] = r.tables(r.root(), MODEL_SUBGRAPHS);
    if (subgraph === undefined) throw new Error('no subgraph');
    const tensors = r.tables(subgraph, SUBGRAPH.tensors);
    const io = (id: number) =>
      r.int32s(subgraph, id).map((index) => {
        const tensor = tensors[index];
        if (tensor === undefined) throw new Error(`tensor index ${index} out of range`);
        return readTensor(r, tensor);
      });
    const types = tensors.map((t) => tensorType(r.int8(t, TENSOR.type)));
    const inputs = io(SUBGRAPH.inputs);
    const outputs = io(SUBGRAPH.outputs);
    const boundary = int8Boundary(r, subgraph, types);
    const at = (index: number | undefined) => {
      const tensor = index === undefined ? undefined : tensors[index];
      return tensor === undefined ? undefined : readTensor(r, tensor);
    };
    const input = at(boundary.input);
    const output = at(boundary.output);
    return {
      inputs,
      outputs,
      tensorTypes: [...new Set(types)].sort(),
      ...(input || output
        ? { int8Boundary: { ...(input ? { input } : {}), ...(output ? { output } : {}) } }
        : {}),
    };
  } catch (error) {
    if (error instanceof EdgemlError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EdgemlError('MODEL_INVALID', `'${file}' is not a readable TFLite model: ${reason}`, { file });
  }
}
