/**
 * Reads a `.tflite` flatbuffer back into plain objects: the fields the emitter writes (schema
 * subset of schema.ts), with each buffer's absolute byte offset so alignment can be checked, and
 * the `edgeml` JSON metadata. Used by tests and by anything that needs a model's labels.
 */

import { EdgemlError } from '@edgeml/core';
import { ByteBuffer } from 'flatbuffers';
import { TFLITE_METADATA_NAME, type TfliteEdgemlMetadata } from './emit-tflite.js';
import { Field, TFLITE_FILE_IDENTIFIER } from './schema.js';

/** A tensor as stored in the file. */
export interface TfliteTensorInfo {
  readonly name: string;
  readonly shape: number[];
  /** `shape_signature`, when present. */
  readonly shapeSignature?: number[];
  readonly type: number;
  readonly buffer: number;
  /** Affine quantisation parameters, when present. */
  readonly quantization?: { scale: number[]; zeroPoint: number[]; quantizedDimension: number };
}

/** An operator as stored in the file. */
export interface TfliteOperatorInfo {
  readonly opcodeIndex: number;
  readonly inputs: number[];
  readonly outputs: number[];
  /** `builtin_options_type` (union member index, 0 = none). */
  readonly optionsType: number;
}

/** What readTfliteModel returns. */
export interface TfliteModelInfo {
  readonly identifier: string;
  readonly version: number;
  readonly description: string;
  readonly operatorCodes: { deprecatedBuiltinCode: number; builtinCode: number; version: number }[];
  readonly subgraphs: {
    name: string;
    tensors: TfliteTensorInfo[];
    inputs: number[];
    outputs: number[];
    operators: TfliteOperatorInfo[];
  }[];
  /** Each buffer's data: absolute offset in the file and length (0 when empty). */
  readonly buffers: { offset: number; length: number }[];
  readonly metadata: { name: string; buffer: number }[];
}

/** Minimal table reader over a ByteBuffer (what flatc's generated accessors do). */
class Table {
  constructor(
    private readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}

  private field(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }

  int(id: number, fallback = 0, width: 8 | 32 = 32): number {
    const o = this.field(id);
    if (!o) return fallback;
    return width === 8 ? this.bb.readInt8(this.pos + o) : this.bb.readInt32(this.pos + o);
  }

  string(id: number): string {
    const o = this.field(id);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }

  /** Absolute start and length of a vector field, or undefined when absent. */
  vector(id: number): { start: number; length: number } | undefined {
    const o = this.field(id);
    if (!o) return undefined;
    return { start: this.bb.__vector(this.pos + o), length: this.bb.__vector_len(this.pos + o) };
  }

  ints(id: number): number[] | undefined {
    const v = this.vector(id);
    if (!v) return undefined;
    return Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i));
  }

  floats(id: number): number[] | undefined {
    const v = this.vector(id);
    if (!v) return undefined;
    return Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i));
  }

  /** An int64 vector as numbers (zero points are small). */
  longs(id: number): number[] | undefined {
    const v = this.vector(id);
    if (!v) return undefined;
    return Array.from({ length: v.length }, (_, i) => Number(this.bb.readInt64(v.start + 8 * i)));
  }

  table(id: number): Table | undefined {
    const o = this.field(id);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : undefined;
  }

  tables(id: number): Table[] {
    const v = this.vector(id);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const at = v.start + 4 * i;
      return new Table(this.bb, this.bb.__indirect(at));
    });
  }
}

/** Parses `bytes` as a TFLite model; throws MODEL_INVALID when the identifier is not TFL3. */
export function readTfliteModel(bytes: Uint8Array): TfliteModelInfo {
  const bb = new ByteBuffer(bytes);
  const identifier = bb.getBufferIdentifier();
  if (identifier !== TFLITE_FILE_IDENTIFIER) {
    throw new EdgemlError('MODEL_INVALID', `not a TFLite file: identifier '${identifier}', expected 'TFL3'`);
  }
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  const m = Field.Model;
  return {
    identifier,
    version: model.int(m.version),
    description: model.string(m.description),
    operatorCodes: model.tables(m.operator_codes).map((c) => ({
      deprecatedBuiltinCode: c.int(Field.OperatorCode.deprecated_builtin_code, 0, 8),
      builtinCode: c.int(Field.OperatorCode.builtin_code),
      version: c.int(Field.OperatorCode.version, 1),
    })),
    subgraphs: model.tables(m.subgraphs).map((sg) => ({
      name: sg.string(Field.SubGraph.name),
      tensors: sg.tables(Field.SubGraph.tensors).map((t) => {
        const signature = t.ints(Field.Tensor.shape_signature);
        const q = t.table(Field.Tensor.quantization);
        const f = Field.QuantizationParameters;
        return {
          name: t.string(Field.Tensor.name),
          shape: t.ints(Field.Tensor.shape) ?? [],
          ...(signature ? { shapeSignature: signature } : {}),
          type: t.int(Field.Tensor.type, 0, 8),
          buffer: t.int(Field.Tensor.buffer),
          ...(q
            ? {
                quantization: {
                  scale: q.floats(f.scale) ?? [],
                  zeroPoint: q.longs(f.zero_point) ?? [],
                  quantizedDimension: q.int(f.quantized_dimension),
                },
              }
            : {}),
        };
      }),
      inputs: sg.ints(Field.SubGraph.inputs) ?? [],
      outputs: sg.ints(Field.SubGraph.outputs) ?? [],
      operators: sg.tables(Field.SubGraph.operators).map((op) => ({
        opcodeIndex: op.int(Field.Operator.opcode_index),
        inputs: op.ints(Field.Operator.inputs) ?? [],
        outputs: op.ints(Field.Operator.outputs) ?? [],
        optionsType: op.int(Field.Operator.builtin_options_type, 0, 8),
      })),
    })),
    buffers: model.tables(m.buffers).map((buf) => {
      const v = buf.vector(Field.Buffer.data);
      return v ? { offset: v.start, length: v.length } : { offset: 0, length: 0 };
    }),
    metadata: model.tables(m.metadata).map((e) => ({
      name: e.string(Field.Metadata.name),
      buffer: e.int(Field.Metadata.buffer),
    })),
  };
}

/** The `edgeml` JSON metadata of a TFLite file written by emitTflite, or undefined when absent. */
export function readTfliteMetadata(bytes: Uint8Array): TfliteEdgemlMetadata | undefined {
  const info = readTfliteModel(bytes);
  const entry = info.metadata.find((e) => e.name === TFLITE_METADATA_NAME);
  const buffer = entry ? info.buffers[entry.buffer] : undefined;
  if (!buffer || buffer.length === 0) return undefined;
  const text = new TextDecoder().decode(bytes.subarray(buffer.offset, buffer.offset + buffer.length));
  return JSON.parse(text) as TfliteEdgemlMetadata;
}
