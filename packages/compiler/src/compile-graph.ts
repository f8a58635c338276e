/**
 * compileGraph: an IR graph (float32, or int8 as quantizeGraph writes it) to its own WebAssembly
 * module and the loader module beside it. Lowering (lowering/) turns nodes into kernel calls, the
 * memory plan (memory-plan/) gives every buffer a fixed offset, code generation (codegen/) prints
 * the per-model AssemblyScript entry, and emit/ compiles it with the kernels and appends the
 * weights as a data segment.
 */

import { gzipSync } from 'node:zlib';
import type { IrGraph } from '@edgeml/optimizer';
import { generateEntry } from './codegen/generate-entry.js';
import { layoutMemory, WEIGHTS_BASE } from './codegen/layout.js';
import { assemble } from './emit/assemble.js';
import { addDataSegment } from './emit/data-segment.js';
import { type CompiledModelMeta, loaderModule } from './emit/loader-module.js';
import { type Int8Arithmetic, lowerGraph } from './lowering/lower-graph.js';
import { planMemory } from './memory-plan/plan-memory.js';

/** Options of compileGraph. */
export interface CompileGraphOptions {
  /** Class names written into model.js's `meta`. */
  readonly labels?: readonly string[];
  /** File name model.js loads in Node and relative to its own URL. @default 'model.wasm' */
  readonly wasmFile?: string;
  /** Also return asc's text format of the module (without the weights). @default false */
  readonly wat?: boolean;
  /**
   * int8: 'reference' computes as the integer reference (`interpretInt8Graph`: float64
   * requantisation, halves rounded up); 'onnxruntime' as onnxruntime's int8 kernels (float32
   * multipliers and products, halves to even), for a graph read from an int8 ONNX file
   * (readInt8Onnx) that must give onnxruntime's answers. @default 'reference'
   */
  readonly int8Arithmetic?: Int8Arithmetic;
  /**
   * Also export `step_count()` and `run_step(i)` (one kernel call alone) and list the calls in the
   * report's `steps`, for per-layer timing (bench/layer-profile.ts). @default false
   */
  readonly profile?: boolean;
}

/** What compileGraph measured and decided. */
export interface CompileReport {
  readonly precision: 'float32' | 'int8';
  /** int8: the arithmetic of the int8 kernels (CompileGraphOptions.int8Arithmetic). */
  readonly int8Arithmetic?: Int8Arithmetic;
  /** Node count per IR op. */
  readonly ops: Readonly<Record<string, number>>;
  /** Kernel calls in `run()`. */
  readonly kernelCalls: number;
  /** Bytes of the weights data segment. */
  readonly weightsBytes: number;
  /** Bytes of the activation arena, and what it would take without buffer reuse. */
  readonly arenaBytes: number;
  readonly arenaBytesWithoutReuse: number;
  /** Size of model.wasm, and of it without the weights (code, tables, headers). */
  readonly wasmBytes: number;
  readonly codeBytes: number;
  /** The module without its weights, gzipped (level 9): what a page or Worker ships besides the weights. */
  readonly codeGzipBytes: number;
  /** model.js, raw and gzipped. */
  readonly loaderBytes: number;
  readonly loaderGzipBytes: number;
  /** Linear memory the module declares, in bytes. */
  readonly memoryBytes: number;
  readonly seconds: number;
  /** With `profile`: each kernel call of `run()` in order (`run_step(i)` runs call i). */
  readonly steps?: readonly { readonly node: string; readonly kernel: string }[];
}

/** A compiled model. */
export interface CompiledModel {
  /** model.wasm: code and weights. */
  readonly wasm: Uint8Array;
  /** model.js: the loader module. */
  readonly js: string;
  /** The generated AssemblyScript entry (for reading and debugging). */
  readonly entry: string;
  readonly meta: CompiledModelMeta;
  readonly report: CompileReport;
  readonly wat?: string;
}

/** Compiles `graph` (one NHWC float32 input, one output) for batch 1. */
export async function compileGraph(
  graph: IrGraph,
  options: CompileGraphOptions = {},
): Promise<CompiledModel> {
  const started = performance.now();
  const int8Arithmetic = options.int8Arithmetic ?? 'reference';
  const program = lowerGraph(graph, { int8Arithmetic });
  const plan = planMemory(program);
  const layout = layoutMemory(program, plan);
  const entry = generateEntry(program, layout, { profile: options.profile ?? false });
  const assembled = await assemble(entry, layout.memoryBase, {
    wat: options.wat ?? false,
    ortArithmetic: int8Arithmetic === 'onnxruntime',
  });
  const wasm = addDataSegment(assembled.wasm, WEIGHTS_BASE, layout.weights);
  const meta: CompiledModelMeta = {
    name: graph.name,
    precision: program.precision,
    inputShape: program.input.shape,
    outputLength: program.output.length,
    ...(options.labels ? { labels: options.labels } : {}),
  };
  const js = loaderModule(meta, options.wasmFile);
  return {
    wasm,
    js,
    entry,
    meta,
    ...(assembled.wat ? { wat: assembled.wat } : {}),
    report: {
      precision: program.precision,
      ...(program.precision === 'int8' ? { int8Arithmetic } : {}),
      ops: program.ops,
      kernelCalls: program.steps.length,
      weightsBytes: layout.weights.byteLength,
      arenaBytes: plan.arenaBytes,
      arenaBytesWithoutReuse: plan.unsharedBytes,
      wasmBytes: wasm.byteLength,
      codeBytes: assembled.wasm.byteLength,
      codeGzipBytes: gzipSync(assembled.wasm, { level: 9 }).byteLength,
      loaderBytes: new TextEncoder().encode(js).byteLength,
      loaderGzipBytes: gzipSync(js, { level: 9 }).byteLength,
      memoryBytes: Math.ceil(layout.memoryBase / 65536) * 65536,
      seconds: (performance.now() - started) / 1000,
      ...(options.profile ? { steps: program.steps.map((s) => ({ node: s.node, kernel: s.kernel })) } : {}),
    },
  };
}
