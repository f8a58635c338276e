/**
 * What a Node process, a page or a Worker must ship to run a model besides its weights, for the two
 * web runtimes that answer "is the compiled module worth it?": onnxruntime-web (its SIMD wasm; in
 * the page and the Worker also the bundled JS around it), and the compiled module's code (its
 * `.wasm` without the weights data segment, as `edgeml compile` measured it in compile.json /
 * compile.int8.json) plus its loader and, in a page or a Worker, the bundled JS around it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchPrecision, RuntimeCodeSize } from '../../report/types.js';
import type { RuntimeTargetName } from './runtime-job.js';

export type { RuntimeCodeSize };

/** The code part of a compiled module, as `edgeml compile` measured it (its report beside the module). */
export interface CompiledCodeSize {
  /** The module without its weights data segment. */
  readonly codeBytes: number;
  readonly codeGzipBytes: number;
  /** model.js. */
  readonly loaderBytes: number;
  readonly loaderGzipBytes: number;
}

/** Reads compile.json (float32) or compile.int8.json of the package in `modelDir`. */
export async function compiledCodeSize(
  modelDir: string,
  precision: BenchPrecision,
): Promise<CompiledCodeSize> {
  const file = precision === 'int8' ? 'compile.int8.json' : 'compile.json';
  const report = JSON.parse(await readFile(join(modelDir, file), 'utf8')) as Record<string, unknown>;
  const field = (key: string) => {
    const value = report[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new Error(`${file} has no byte count '${key}' (written by edgeml compile)`);
    return value;
  };
  return {
    codeBytes: field('codeBytes'),
    codeGzipBytes: field('codeGzipBytes'),
    loaderBytes: field('loaderBytes'),
    loaderGzipBytes: field('loaderGzipBytes'),
  };
}

/** The runtime code size of in-process `target` for the package in `modelDir`, or undefined for other targets. */
export async function runtimeCodeSize(
  target: RuntimeTargetName,
  modelDir: string,
  precision: BenchPrecision,
): Promise<RuntimeCodeSize | undefined> {
  if (target === 'ort-web') {
    const { readOrtWebWasm, ORT_WEB_WASM_FILE } = await import('@edgeml/runtime-edge/node');
    const wasm = await readOrtWebWasm();
    return {
      bytes: wasm.byteLength,
      gzipBytes: gzipSync(wasm, { level: 9 }).byteLength,
      counts: `${ORT_WEB_WASM_FILE} (its JS glue not counted)`,
    };
  }
  if (target === 'edgeml-wasm') {
    const c = await compiledCodeSize(modelDir, precision);
    return {
      bytes: c.codeBytes + c.loaderBytes,
      gzipBytes: c.codeGzipBytes + c.loaderGzipBytes,
      counts: 'the module without its weights + model.js',
    };
  }
  return undefined;
}

/** One shipped file (a Worker upload's module, a page's file) with its raw and gzip size. */
export interface ShippedFile {
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/**
 * The runtime code of a Worker upload or a web page: every shipped file but the model's (`isModel`:
 * the manifest, the `.onnx` or the compiled `.wasm`), plus, for edgeml-wasm, the compiled module's
 * code (the `.wasm` without its weights; the weights are the rest of that file).
 */
export async function shippedRuntimeCode(
  files: readonly ShippedFile[],
  isModel: (path: string) => boolean,
  runtime: 'ort-web' | 'edgeml-wasm',
  modelDir: string,
  precision: BenchPrecision,
  where: string,
): Promise<RuntimeCodeSize> {
  const code = files.filter((f) => !isModel(f.path));
  let bytes = code.reduce((n, f) => n + f.bytes, 0);
  let gzipBytes = code.reduce((n, f) => n + f.gzipBytes, 0);
  const names = code.map((f) => f.path.split('/').pop() ?? f.path);
  if (runtime === 'edgeml-wasm') {
    const c = await compiledCodeSize(modelDir, precision);
    bytes += c.codeBytes;
    gzipBytes += c.codeGzipBytes;
    names.push("the compiled module's code (without its weights data segment)");
  }
  return { bytes, gzipBytes, counts: `${where}: ${names.join(' + ')}` };
}
