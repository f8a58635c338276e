/**
 * What a page or a Worker must ship to run a model besides its weights, for the two web runtimes
 * that answer "is the compiled module worth it?": onnxruntime-web's SIMD wasm, and the compiled
 * module's code (its `.wasm` without the weights data segment) plus its loader `model.js`, as
 * `edgeml compile` measured them (compile.json / compile.int8.json in the package).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchPrecision } from '../../report/types.js';
import type { RuntimeTargetName } from './runtime-job.js';

/** Bytes of runtime code, raw and gzipped (level 9), and what they count. */
export interface RuntimeCodeSize {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly counts: string;
}

/** The runtime code size of `target` for the package in `modelDir`, or undefined for other targets. */
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
    const file = precision === 'int8' ? 'compile.int8.json' : 'compile.json';
    const report = JSON.parse(await readFile(join(modelDir, file), 'utf8')) as Record<string, number>;
    return {
      bytes: (report['codeBytes'] ?? 0) + (report['loaderBytes'] ?? 0),
      gzipBytes: (report['codeGzipBytes'] ?? 0) + (report['loaderGzipBytes'] ?? 0),
      counts: 'the module without its weights + model.js',
    };
  }
  return undefined;
}
