/**
 * Runtime 'edgeml-wasm': a model compiled by `edgeml compile` (its `model.wasm` / `model.int8.wasm`
 * file) run as its own WebAssembly module: no runtime library, no imports. The module describes
 * its input and output itself (`input_offset()`, `input_length()`, `output_offset()`,
 * `output_length()`, float32 in its exported `memory`) and computes batch 1 in `run()`.
 * In Workers, which forbid compiling Wasm from bytes, pass the imported module as
 * `edgemlWasm.module`.
 */
import { EdgemlError } from '@edgeml/core';
import type { AdapterLoader, RuntimeAdapter } from '../adapter.js';
import { modelLoadError } from '../model-load-error.js';

/** Settings of runtime 'edgeml-wasm'. */
export interface EdgemlWasmSettings {
  /** The model's `.wasm` already compiled (a Worker imports it as a CompiledWasm module). */
  readonly module?: WebAssembly.Module;
  /**
   * The model already instantiated (weights copied into its memory): a Worker instantiates it in
   * its global scope, at startup, so that its first request does not pay for it. Used as is; no
   * other caller may run it.
   */
  readonly instance?: WebAssembly.Instance;
}

/** The exports every compiled model has. */
interface CompiledExports {
  readonly memory: WebAssembly.Memory;
  run(): void;
  input_offset(): number;
  input_length(): number;
  output_offset(): number;
  output_length(): number;
}

function exportsOf(instance: WebAssembly.Instance, file: string): CompiledExports {
  const e = instance.exports as Partial<CompiledExports>;
  for (const name of ['run', 'input_offset', 'input_length', 'output_offset', 'output_length'] as const) {
    if (typeof e[name] !== 'function') {
      throw new EdgemlError(
        'MODEL_INVALID',
        `edgeml-wasm: '${file}' does not export ${name}(): it is not a module written by edgeml compile`,
        { file },
      );
    }
  }
  if (!(e.memory instanceof WebAssembly.Memory)) {
    throw new EdgemlError('MODEL_INVALID', `edgeml-wasm: '${file}' exports no memory`, { file });
  }
  return e as CompiledExports;
}

/** Loads a compiled model file of the package (or the given compiled module). */
export const loadEdgemlWasmAdapter: AdapterLoader = async ({ pkg, file, edgemlWasm }) => {
  let e: CompiledExports;
  try {
    if (edgemlWasm?.instance) {
      e = exportsOf(edgemlWasm.instance, file.path);
    } else {
      const module =
        edgemlWasm?.module ??
        (await WebAssembly.compile((await pkg.readFile(file.path)) as Uint8Array<ArrayBuffer>));
      e = exportsOf(await WebAssembly.instantiate(module, {}), file.path);
    }
  } catch (error) {
    throw modelLoadError('edgeml-wasm', file.path, error);
  }
  // The memory never grows (the module allocates nothing), so the views stay valid.
  const input = new Float32Array(e.memory.buffer, e.input_offset(), e.input_length());
  const output = new Float32Array(e.memory.buffer, e.output_offset(), e.output_length());
  let disposed = false;
  const adapter: RuntimeAdapter = {
    runtime: 'edgeml-wasm',
    async run(tensor, shape) {
      if (disposed) throw new EdgemlError('UNSUPPORTED', 'edgeml-wasm: run() after dispose()');
      if (tensor.length !== input.length || (shape[0] ?? 1) !== 1) {
        throw new EdgemlError(
          'UNSUPPORTED',
          `edgeml-wasm: '${file.path}' takes one image of ${input.length} values (batch 1), got shape [${shape.join(', ')}]`,
          { file: file.path, shape: [...shape] },
        );
      }
      input.set(tensor);
      e.run();
      return output.slice();
    },
    async dispose() {
      disposed = true;
    },
  };
  return adapter;
};
