/** @edgeml/compiler: each model as its own small WebAssembly module (`edgeml compile`). */

export type { CompiledModel, CompileGraphOptions, CompileReport } from './compile-graph.js';
export { compileGraph } from './compile-graph.js';
export { compilerFingerprint } from './emit/assemble.js';
export type { CompiledModelMeta } from './emit/loader-module.js';
export type { Int8Arithmetic } from './lowering/lower-graph.js';
export { FLOAT32_OPS, INT8_OPS } from './lowering/lower-graph.js';
export type { ReadInt8OnnxOptions } from './onnx/read-int8-onnx.js';
export { ONNX_INT8_READER_OPS, readInt8Onnx } from './onnx/read-int8-onnx.js';
export type { CompilePrecision } from './package/compile-options.js';
export { COMPILE_OPTIONS, COMPILE_PRECISIONS } from './package/compile-options.js';
export type {
  CompiledQuantization,
  CompilePackageOptions,
  CompilePackageResult,
  Int8QuantizationSource,
} from './package/compile-package.js';
export {
  compiledFileNames,
  compileModelPackage,
  INT8_QUANTIZATION_SOURCES,
  int8OnnxFile,
} from './package/compile-package.js';
