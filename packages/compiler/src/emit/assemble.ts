/**
 * Compiles the generated entry and the kernel files with AssemblyScript's compiler (`asc`, in
 * process, on a virtual file system: nothing is read or written on disk but the kernel sources):
 * `-O3`, SIMD, the stub runtime (no garbage collector; nothing is allocated at run time), no
 * assertions, no imports. Deterministic: the same sources give the same bytes.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EDGEML_VERSION, EdgemlError } from '@edgeml/core';
import { KERNEL_FILES } from '../codegen/generate-entry.js';

/** The asc flags every model is compiled with. */
export const ASC_FLAGS: readonly string[] = [
  '-O3',
  '--runtime',
  'stub',
  '--noAssert',
  '--enable',
  'simd',
  '--use',
  'abort=',
];

let kernelSources: Promise<Record<string, string>> | undefined;

/** The AssemblyScript kernel sources shipped in this package's `assembly/` folder. */
export function readKernelSources(): Promise<Record<string, string>> {
  kernelSources ??= (async () => {
    const sources: Record<string, string> = {};
    for (const file of Object.keys(KERNEL_FILES)) {
      sources[`${file}.ts`] = await readFile(new URL(`../../assembly/${file}.ts`, import.meta.url), 'utf8');
    }
    return sources;
  })();
  return kernelSources;
}

/**
 * What the compiled bytes depend on besides the model: the tool's version, the asc flags and the
 * kernel sources, as a SHA-256 (hex). A cache of compiled modules (the pipeline's stage keys) keys
 * on it, so that new kernels are never served from an old compile.
 */
export async function compilerFingerprint(): Promise<string> {
  const sources = await readKernelSources();
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: EDGEML_VERSION, flags: ASC_FLAGS }));
  for (const name of Object.keys(sources).sort()) hash.update(`\0${name}\0${sources[name]}`);
  return hash.digest('hex');
}

/** The compiled module, and asc's text format of it when asked. */
export interface AssembledModule {
  readonly wasm: Uint8Array;
  readonly wat?: string;
}

/** Compiles `entry` (AssemblyScript) with the kernels; static data starts at `memoryBase`. */
export async function assemble(
  entry: string,
  memoryBase: number,
  options: { wat?: boolean; ortArithmetic?: boolean } = {},
): Promise<AssembledModule> {
  const files: Record<string, string> = { ...(await readKernelSources()), 'entry.ts': entry };
  if (options.ortArithmetic) {
    // One constant of kernels-i8.ts selects the int8 arithmetic; asc folds the other branch away.
    const flag = 'const ORT_ARITHMETIC: bool = false;';
    const source = files['kernels-i8.ts'];
    if (source === undefined || !source.includes(flag)) {
      throw new EdgemlError('MODEL_INVALID', `assembly/kernels-i8.ts has no line '${flag}' to switch`);
    }
    files['kernels-i8.ts'] = source.replace(flag, 'const ORT_ARITHMETIC: bool = true;');
  }
  const written: Record<string, Uint8Array | string> = {};
  let stderr = '';
  const argv = [
    'entry.ts',
    '--outFile',
    'model.wasm',
    ...(options.wat ? ['--textFile', 'model.wat'] : []),
    ...ASC_FLAGS,
    '--memoryBase',
    String(memoryBase),
  ];
  // asc (with binaryen, about 10 MB of JS) is imported on first use, not when the package is.
  const { default: asc } = await import('assemblyscript/asc');
  const result = await asc.main(argv, {
    readFile: (name: string) => files[name] ?? null,
    writeFile: (name: string, contents: Uint8Array | string) => {
      written[name] = contents;
    },
    listFiles: () => [],
    stdout: { write: () => true },
    stderr: {
      write: (chunk: string | Uint8Array) => {
        stderr += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
        return true;
      },
    },
  } as Parameters<typeof import('assemblyscript/asc')['main']>[1]);
  const wasm = written['model.wasm'];
  if (result.error || !(wasm instanceof Uint8Array)) {
    throw new EdgemlError(
      'MODEL_INVALID',
      `AssemblyScript could not compile the generated model: ${result.error?.message ?? 'no output'}\n${stderr}`,
    );
  }
  const wat = written['model.wat'];
  return { wasm, ...(typeof wat === 'string' ? { wat } : {}) };
}
