/** @edgeml/compiler: each model as its own small WebAssembly module (`edgeml compile`). */

export type { CompiledModel, CompileGraphOptions, CompileReport } from './compile-graph.js';
export { compileGraph } from './compile-graph.js';
export type { CompiledModelMeta } from './emit/loader-module.js';
export { FLOAT32_OPS, INT8_OPS } from './lowering/lower-graph.js';
export type { CompilePrecision } from './package/compile-options.js';
export { COMPILE_OPTIONS, COMPILE_PRECISIONS } from './package/compile-options.js';
export type { CompilePackageOptions, CompilePackageResult } from './package/compile-package.js';
export { compiledFileNames, compileModelPackage } from './package/compile-package.js';
