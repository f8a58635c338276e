/**
 * compileModelPackage: `edgeml compile` on a model package directory, written with the package's
 * files into `outDir` as `model.wasm` + `model.js` (float32) or `model.int8.wasm` + `model.int8.js`,
 * plus the compile report in `compile.json` (`compile.int8.json`). The manifest lists the module as
 * a `wasm` model file (precision float32, int8, or mixed when a node before the last stays float),
 * the loader as `other`.
 *
 * float32 compiles the package's TF.js model (converted to the IR with the export passes: BatchNorm
 * folded, ReLU fused). int8 compiles the package's int8 ONNX model (`model.int8.onnx`, written by
 * `edgeml quantize`) when it has one: its int8 weights, weight scales, int32 biases and activation
 * parameters, read back by readInt8Onnx, so the module is the model the user measured; an
 * int8-only package (no TF.js model) compiles too. Only a package without an int8 ONNX model (or
 * `quantization: 'calibrate'`) is quantised here, with static PTQ on the calibration images given.
 */

import {
  ConfigError,
  formatAllowed,
  type ModelFileEntry,
  type ModelFileInput,
  type ModelManifest,
} from '@edgeml/core';
import { readModelPackageDir, writeModelPackage } from '@edgeml/core/node';
import {
  type CalibrationMethod,
  calibrate,
  type IrGraph,
  loadPassPackage,
  type ParityImages,
  prepareGraphForExport,
  quantizeGraph,
} from '@edgeml/optimizer';
import { type CompileReport, compileGraph } from '../compile-graph.js';
import { readInt8Onnx } from '../onnx/read-int8-onnx.js';
import type { CompilePrecision } from './compile-options.js';

/** File names of a compiled model of `precision` inside a package. */
export function compiledFileNames(precision: CompilePrecision): { wasm: string; js: string; report: string } {
  const stem = precision === 'int8' ? 'model.int8' : 'model';
  return {
    wasm: `${stem}.wasm`,
    js: `${stem}.js`,
    report: precision === 'int8' ? 'compile.int8.json' : 'compile.json',
  };
}

/**
 * Where an int8 compile takes its quantisation from: `auto` the package's int8 ONNX model when it
 * has one, else calibration; `onnx` the int8 ONNX model (refused without one); `calibrate` static
 * PTQ of the float model on `calibrationImages`, ignoring any int8 ONNX model.
 */
export const INT8_QUANTIZATION_SOURCES = ['auto', 'onnx', 'calibrate'] as const;
/** One of INT8_QUANTIZATION_SOURCES. */
export type Int8QuantizationSource = (typeof INT8_QUANTIZATION_SOURCES)[number];

/** Options of compileModelPackage. */
export interface CompilePackageOptions {
  /** @default 'float32' */
  readonly precision?: CompilePrecision;
  /** int8: where the quantisation comes from. @default 'auto' */
  readonly quantization?: Int8QuantizationSource;
  /**
   * int8 by calibration only (a package without an int8 ONNX model, or `quantization: 'calibrate'`):
   * training images in the model's normalisation. Ignored when the int8 ONNX model is compiled.
   */
  readonly calibrationImages?: ParityImages;
  /** int8 by calibration only: range estimator. @default 'minmax' */
  readonly calibration?: CalibrationMethod;
  /** int8 by calibration only: percentile of 'percentile' calibration. @default 99.99 */
  readonly percentile?: number;
  /** Compile with compileGraph's `profile` exports (per-layer timing; bench/layer-profile.ts). @default false */
  readonly profile?: boolean;
}

/** Where the compiled int8 module's quantisation came from (compile.int8.json's `quantization`). */
export type CompiledQuantization =
  | { readonly source: 'onnx'; readonly file: string; readonly sha256: string }
  | { readonly source: 'calibration'; readonly method: CalibrationMethod; readonly images: number };

/** What compileModelPackage wrote. */
export interface CompilePackageResult {
  readonly outDir: string;
  readonly manifest: ModelManifest;
  readonly files: { readonly wasm: string; readonly js: string };
  readonly report: CompileReport & {
    readonly int8Nodes?: number;
    readonly floatNodes?: readonly string[];
    readonly quantization?: CompiledQuantization;
  };
}

/**
 * The int8 ONNX model an int8 compile reads from `manifest`: an `onnx` model file of precision int8
 * (or mixed: nodes kept float) not planned for particular runtimes, `model.int8.onnx` first.
 */
export function int8OnnxFile(manifest: ModelManifest): ModelFileEntry | undefined {
  const candidates = manifest.files.filter(
    (f) =>
      f.format === 'onnx' &&
      (f.role === undefined || f.role === 'model') &&
      (f.precision === 'int8' || f.precision === 'mixed') &&
      (f.runtimes === undefined || f.runtimes.length === 0),
  );
  return (
    candidates.find((f) => f.path === 'model.int8.onnx') ??
    candidates.find((f) => f.precision === 'int8') ??
    candidates[0]
  );
}

/** A package file (entry and bytes) as a file to write again, every entry field kept. */
function fileInput(entry: ModelFileEntry, bytes: Uint8Array): ModelFileInput {
  return {
    path: entry.path,
    bytes,
    format: entry.format,
    ...(entry.precision ? { precision: entry.precision } : {}),
    ...(entry.role ? { role: entry.role } : {}),
    ...(entry.inputLayout ? { inputLayout: entry.inputLayout } : {}),
    ...(entry.inputDtype ? { inputDtype: entry.inputDtype } : {}),
    ...(entry.runtimes ? { runtimes: [...entry.runtimes] } : {}),
  };
}

interface GraphToCompile {
  readonly graph: IrGraph;
  readonly quantization?: CompiledQuantization;
  /** Why quantizeGraph kept each float node float (calibrated graphs). */
  readonly floatReasons?: ReadonlyMap<string, string>;
}

/** The package's float graph, or with `calibration` its PTQ-quantised graph (quantizeGraph). */
async function graphFromTfjs(
  modelDir: string,
  manifest: ModelManifest,
  calibration?: { images: ParityImages; method: CalibrationMethod; percentile: number },
): Promise<GraphToCompile> {
  const input = await loadPassPackage(modelDir);
  try {
    const { graph } = prepareGraphForExport(input.model, {
      metadata: { labels: manifest.labels, props: { name: manifest.name } },
    });
    if (!calibration) return { graph };
    const ranges = await calibrate(graph, calibration.images, {
      method: calibration.method,
      percentile: calibration.percentile,
    });
    const quantized = quantizeGraph(graph, ranges);
    return {
      graph: quantized.graph,
      floatReasons: new Map(quantized.report.floatNodes.map((f) => [f.node, f.reason])),
      quantization: {
        source: 'calibration',
        method: calibration.method,
        images: calibration.images.shape[0],
      },
    };
  } finally {
    input.model.dispose();
  }
}

/** Compiles the model package in `modelDir` into `outDir` (which may be `modelDir`). */
export async function compileModelPackage(
  modelDir: string,
  outDir: string,
  options: CompilePackageOptions = {},
): Promise<CompilePackageResult> {
  const precision = options.precision ?? 'float32';
  const source = options.quantization ?? 'auto';
  if (!(INT8_QUANTIZATION_SOURCES as readonly string[]).includes(source)) {
    throw new ConfigError(
      `compile: 'quantization' must be ${formatAllowed(INT8_QUANTIZATION_SOURCES)}, got ${JSON.stringify(source)}`,
      { key: 'quantization', allowed: INT8_QUANTIZATION_SOURCES },
    );
  }
  const pkg = await readModelPackageDir(modelDir);
  const { manifest } = pkg;
  const onnxEntry = precision === 'int8' && source !== 'calibrate' ? int8OnnxFile(manifest) : undefined;
  if (precision === 'int8' && source === 'onnx' && onnxEntry === undefined) {
    throw new ConfigError(
      `compile: package ${modelDir} has no int8 ONNX model (an onnx file of precision int8 or mixed, as edgeml quantize writes model.int8.onnx); run edgeml quantize first, or compile with quantization 'calibrate'`,
      { key: 'quantization', package: modelDir },
    );
  }
  if (precision === 'float32' && !manifest.files.some((f) => f.format === 'tfjs-layers')) {
    const models = manifest.files.filter((f) => f.role === 'model').map((f) => `${f.path} (${f.precision})`);
    throw new ConfigError(
      `compile: package ${modelDir} has no float model (tfjs-layers) to compile to float32; it holds ${models.join(', ') || 'no model'}${int8OnnxFile(manifest) ? `: --precision int8 compiles its ${int8OnnxFile(manifest)!.path}` : ''}`,
      { key: 'precision', package: modelDir },
    );
  }
  let toCompile: GraphToCompile;
  if (onnxEntry) {
    const graph = readInt8Onnx(await pkg.readFile(onnxEntry.path), {
      name: manifest.name,
      file: onnxEntry.path,
    });
    toCompile = {
      graph,
      quantization: { source: 'onnx', file: onnxEntry.path, sha256: onnxEntry.sha256 },
    };
  } else if (precision === 'int8') {
    if (options.calibrationImages === undefined) {
      throw new TypeError(
        `compileModelPackage: package ${modelDir} has no int8 ONNX model to compile, so int8 needs calibrationImages (or run edgeml quantize first)`,
      );
    }
    toCompile = await graphFromTfjs(modelDir, manifest, {
      images: options.calibrationImages,
      method: options.calibration ?? 'minmax',
      percentile: options.percentile ?? 99.99,
    });
  } else {
    toCompile = await graphFromTfjs(modelDir, manifest);
  }
  const { graph } = toCompile;
  const int8Nodes = graph.nodes.filter((n) => graph.tensors[n.outputs[0]!]?.dtype === 'int8');
  const floatNodes = graph.nodes.filter((n) => graph.tensors[n.outputs[0]!]?.dtype !== 'int8');
  const names = compiledFileNames(precision);
  // As the quantize pass labels its files: 'mixed' when a node other than the final one stays float.
  const lastNode = graph.nodes.at(-1)?.name;
  const filePrecision =
    precision === 'int8' && floatNodes.some((n) => n.name !== lastNode) ? 'mixed' : precision;
  // A model read from model.int8.onnx computes as onnxruntime does on that file.
  const compiled = await compileGraph(
    { ...graph, name: manifest.name },
    {
      labels: manifest.labels,
      wasmFile: names.wasm,
      ...(onnxEntry ? { int8Arithmetic: 'onnxruntime' as const } : {}),
      ...(options.profile ? { profile: true } : {}),
    },
  );
  const report = {
    ...compiled.report,
    ...(precision === 'int8'
      ? {
          int8Nodes: int8Nodes.length,
          floatNodes: floatNodes.map(
            (n) => `${n.name} (${toCompile.floatReasons?.get(n.name) ?? `float in ${onnxEntry?.path}`})`,
          ),
          quantization: toCompile.quantization!,
        }
      : {}),
  };
  const added: ModelFileInput[] = [
    {
      path: names.wasm,
      bytes: compiled.wasm,
      format: 'wasm',
      precision: filePrecision,
      role: 'model',
      inputLayout: 'NHWC',
    },
    { path: names.js, bytes: compiled.js, format: 'other', role: 'other' },
    { path: names.report, bytes: `${JSON.stringify(report, null, 2)}\n`, format: 'json', role: 'report' },
  ];
  const replaced = new Set(added.map((f) => f.path));
  const kept: ModelFileInput[] = [];
  for (const entry of manifest.files.filter((f) => !replaced.has(f.path))) {
    kept.push(fileInput(entry, await pkg.readFile(entry.path)));
  }
  const { files: _files, schemaVersion: _version, ...draft } = manifest;
  const written = await writeModelPackage(outDir, { manifest: draft, files: [...kept, ...added] });
  return { outDir, manifest: written, files: { wasm: names.wasm, js: names.js }, report };
}
