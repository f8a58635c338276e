/**
 * The tiny ES module written beside `model.wasm`: `load()` resolves to `{ run(input) }`. No edgeml
 * package and no imports: in Node `load()` reads `model.wasm` beside it; in browsers and Workers it
 * takes the wasm bytes, a URL (or fetch Response), or a compiled `WebAssembly.Module` (what
 * Workers give for an imported .wasm file; they forbid compiling from bytes).
 */

/** What the loader module states about the model (exported as `meta`). */
export interface CompiledModelMeta {
  readonly name: string;
  readonly precision: 'float32' | 'int8';
  /** `[height, width, channels]`, NHWC, batch 1. */
  readonly inputShape: readonly number[];
  readonly outputLength: number;
  readonly labels?: readonly string[];
}

/** Source of model.js for a module compiled from the model `meta` describes. */
export function loaderModule(meta: CompiledModelMeta, wasmFile = 'model.wasm'): string {
  const inputLength = meta.inputShape.reduce((a, b) => a * b, 1);
  return `// ${meta.name}: compiled by edgeml compile (${meta.precision}). Generated; needs no package.
export const meta = ${JSON.stringify(meta)};

async function wasmBytes(source) {
  if (source === undefined) {
    const url = new URL(${JSON.stringify(`./${wasmFile}`)}, import.meta.url);
    if (url.protocol === 'file:') {
      const fs = 'node:fs/promises';
      return (await import(/* @vite-ignore */ fs)).readFile(url);
    }
    source = url;
  }
  // Bytes first, and a Response recognised by its arrayBuffer method: in Node the first touch of the
  // global Response (or fetch) loads its fetch implementation, about 20 ms of CPU.
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  if (typeof source === 'string' || source instanceof URL) source = await fetch(source);
  if (typeof source?.arrayBuffer === 'function') return source.arrayBuffer();
  return source;
}

/** Instantiates the model: no argument in Node; the wasm bytes, a URL, a Response or a WebAssembly.Module elsewhere. */
export async function load(source) {
  const instance =
    source instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(source, {})
      : (await WebAssembly.instantiate(await wasmBytes(source), {})).instance;
  const e = instance.exports;
  // The memory never grows (nothing is allocated), so these views stay valid.
  const input = new Float32Array(e.memory.buffer, e.input_offset(), e.input_length());
  const output = new Float32Array(e.memory.buffer, e.output_offset(), e.output_length());
  return {
    meta,
    /** Scores of one image: \`x\` is ${meta.inputShape.join('x')} NHWC float32, preprocessed as the model expects. */
    run(x) {
      if (x.length !== ${inputLength}) {
        throw new RangeError(\`run() takes ${inputLength} values (${meta.inputShape.join('x')}, NHWC), got \${x.length}\`);
      }
      input.set(x);
      e.run();
      return output.slice();
    },
  };
}
`;
}
