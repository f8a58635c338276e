/**
 * The compiler's middle form: a model lowered to a straight list of kernel calls over named buffers
 * (activations, in float32 or int8) and named constants (weights in the layout their kernel reads).
 * Shapes and every attribute are numbers by now; the memory plan gives each buffer an offset, and
 * code generation prints one call per step.
 */

/** Element type of a buffer. */
export type BufferType = 'float32' | 'int8' | 'int32';

/** A run-time buffer: a graph tensor in one representation, or a kernel scratch. */
export interface ProgramBuffer {
  readonly name: string;
  readonly type: BufferType;
  /** Number of elements. */
  readonly length: number;
  /** Another buffer this one shares memory with (Reshape, Flatten, Identity), if any. */
  readonly aliasOf?: string;
}

/** A constant: bytes placed in the module's data segment (16-byte aligned). */
export interface ProgramConstant {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** One argument of a kernel call. */
export type KernelArg =
  | {
      readonly kind: 'buffer';
      readonly name: string /** Byte offset into the buffer. */;
      readonly offset?: number;
    }
  | { readonly kind: 'constant'; readonly name: string }
  | { readonly kind: 'i32'; readonly value: number }
  | { readonly kind: 'f64'; readonly value: number };

/** One kernel call: what it reads and writes, for the memory plan. */
export interface ProgramStep {
  /** Exported name of an AssemblyScript kernel (assembly/kernels-*.ts). */
  readonly kernel: string;
  readonly args: readonly KernelArg[];
  /** Buffers read. */
  readonly reads: readonly string[];
  /** Buffers written. */
  readonly writes: readonly string[];
  /** The IR node it comes from (for comments in the generated code). */
  readonly node: string;
}

/** A model as kernel calls. */
export interface Program {
  readonly name: string;
  readonly precision: 'float32' | 'int8';
  readonly buffers: ReadonlyMap<string, ProgramBuffer>;
  readonly constants: readonly ProgramConstant[];
  readonly steps: readonly ProgramStep[];
  /** The float32 input buffer (batch 1, NHWC) and its shape without the batch. */
  readonly input: { readonly buffer: string; readonly shape: readonly number[] };
  /** The float32 output buffer and its length. */
  readonly output: { readonly buffer: string; readonly length: number };
  /** Op counts of the lowered graph (for the report). */
  readonly ops: Readonly<Record<string, number>>;
}
