/** @edgeml/compiler: each model as its own small WebAssembly module (`edgeml compile`). */

export type { CompiledModel, CompileGraphOptions, CompileReport } from './compile-graph.js';
export { compileGraph } from './compile-graph.js';
export type { CompiledModelMeta } from './emit/loader-module.js';
export { FLOAT32_OPS, INT8_OPS } from './lowering/lower-graph.js';
