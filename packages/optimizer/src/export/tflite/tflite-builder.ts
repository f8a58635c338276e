/**
 * Accumulates the TFLite subgraph under construction: tensors (IR activations with the batch fixed
 * to the export batch size and `shape_signature` keeping -1, constants with their own buffers),
 * deduplicated operator codes, and operators in execution order.
 */

import { UnsupportedError } from '@edgeml/core';
import type { IrGraph } from '../../ir/types.js';
import type {
  TfliteBuiltinOptions,
  TfliteModelDef,
  TfliteOperatorCode,
  TfliteOperatorDef,
  TfliteTensorDef,
} from './flatbuffer-writer.js';
import { BuiltinOperator, type BuiltinOperatorName, TensorType } from './schema.js';

function bytesOf(data: Float32Array | Int32Array): Uint8Array {
  // TFLite buffers are little-endian; so is every platform Node and browsers run on.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** Builds one TFLite subgraph from IR tensors and emitted operators. */
export class TfliteGraphBuilder {
  /** Tensors in index order. */
  readonly tensors: TfliteTensorDef[] = [];
  /** Buffers; index 0 is the empty sentinel. */
  readonly buffers: Uint8Array[] = [new Uint8Array(0)];
  /** Operator codes in first-use order. */
  readonly operatorCodes: TfliteOperatorCode[] = [];
  /** Operators in execution order. */
  readonly operators: TfliteOperatorDef[] = [];
  private readonly byIrName = new Map<string, number>();
  private readonly names = new Set<string>();

  constructor(
    readonly graph: IrGraph,
    /** The static batch size written into `shape` (the signature keeps -1). */
    readonly batchSize: number,
    /** IR tensor name -> TFLite tensor name (graph input/outputs are renamed). */
    readonly tensorName: (irName: string) => string,
  ) {}

  /** A fresh tensor name derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Appends a tensor as given (the int8 emitter's quantised tensors); returns its index. */
  add(def: TfliteTensorDef): number {
    this.tensors.push(def);
    return this.tensors.length - 1;
  }

  /** Activation tensor for an IR shape (-1 = dynamic batch); returns its index. */
  activation(name: string, irShape: readonly number[]): number {
    const shape = irShape.map((d) => (d === -1 ? this.batchSize : d));
    const dynamic = irShape.includes(-1);
    return this.add({
      name: this.fresh(name),
      shape,
      ...(dynamic ? { shapeSignature: [...irShape] } : {}),
      type: TensorType.FLOAT32,
      buffer: 0,
    });
  }

  /** The TFLite tensor of IR tensor `irName` (activation, or a constant copied as is). */
  value(irName: string): number {
    const known = this.byIrName.get(irName);
    if (known !== undefined) return known;
    const t = this.graph.tensors[irName];
    if (t === undefined) throw new UnsupportedError(`TFLite export: tensor '${irName}' is not defined`);
    if (t.dtype !== 'float32' || t.quant) {
      throw new UnsupportedError(
        `TFLite export supports float32 tensors only for now, tensor '${irName}' is ${t.dtype}${t.quant ? ' (quantised)' : ''}`,
        { tensor: irName, dtype: t.dtype },
      );
    }
    const index =
      t.data !== undefined
        ? this.floatConst(this.tensorName(irName), t.shape, t.data as Float32Array)
        : this.activation(this.tensorName(irName), t.shape);
    this.byIrName.set(irName, index);
    return index;
  }

  /** A float32 constant tensor with its own buffer; returns its index. */
  floatConst(name: string, shape: readonly number[], data: Float32Array): number {
    this.buffers.push(bytesOf(data));
    return this.add({
      name: this.fresh(name),
      shape: [...shape],
      type: TensorType.FLOAT32,
      buffer: this.buffers.length - 1,
    });
  }

  /** An int32 constant tensor (shapes, axes, paddings); returns its index. */
  int32Const(name: string, shape: readonly number[], values: readonly number[]): number {
    this.buffers.push(bytesOf(Int32Array.from(values)));
    return this.add({
      name: this.fresh(name),
      shape: [...shape],
      type: TensorType.INT32,
      buffer: this.buffers.length - 1,
    });
  }

  /** Shape (static, batch fixed) of tensor `index`. */
  shapeOf(index: number): readonly number[] {
    return this.tensors[index]!.shape;
  }

  /** Appends an operator; returns its first output index. */
  op(
    name: BuiltinOperatorName,
    inputs: readonly number[],
    outputs: readonly number[],
    options?: TfliteBuiltinOptions,
    version = 1,
  ): number {
    const builtinCode = BuiltinOperator[name];
    let opcodeIndex = this.operatorCodes.findIndex(
      (c) => c.builtinCode === builtinCode && c.version === version,
    );
    if (opcodeIndex < 0) {
      this.operatorCodes.push({ builtinCode, version });
      opcodeIndex = this.operatorCodes.length - 1;
    }
    this.operators.push({ opcodeIndex, inputs, outputs, ...(options ? { options } : {}) });
    return outputs[0]!;
  }

  /** The finished model description (one subgraph). */
  toModelDef(
    inputs: readonly number[],
    outputs: readonly number[],
    description: string,
    metadata: readonly { name: string; data: Uint8Array }[],
  ): TfliteModelDef {
    const buffers = [...this.buffers];
    const entries = metadata.map(({ name, data }) => {
      buffers.push(data);
      return { name, buffer: buffers.length - 1 };
    });
    return {
      description,
      operatorCodes: this.operatorCodes,
      subgraph: { name: 'main', tensors: this.tensors, inputs, outputs, operators: this.operators },
      buffers,
      metadata: entries,
    };
  }
}
