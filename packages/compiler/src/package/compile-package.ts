/**
 * compileModelPackage: `edgeml compile` on a model package directory. The package's TF.js model is
 * converted to the IR with the export passes (BatchNorm folded, ReLU fused), quantised for int8
 * (static PTQ on the calibration images given), compiled, and written with the package's files
 * into `outDir` as `model.wasm` + `model.js` (float32) or `model.int8.wasm` + `model.int8.js`, plus
 * the compile report in `compile.json` (`compile.int8.json`). The manifest lists the module as a
 * `wasm` model file (precision float32, int8, or mixed when a node before the last stays float), the
 * loader as `other`.
 */

import type { ModelFileInput, ModelManifest } from '@edgeml/core';
import {
  type CalibrationMethod,
  calibrate,
  loadPassPackage,
  type ParityImages,
  prepareGraphForExport,
  quantizeGraph,
  savePassPackage,
} from '@edgeml/optimizer';
import { type CompileReport, compileGraph } from '../compile-graph.js';
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

/** Options of compileModelPackage. */
export interface CompilePackageOptions {
  /** @default 'float32' */
  readonly precision?: CompilePrecision;
  /** int8: training images in the model's normalisation (required for int8). */
  readonly calibrationImages?: ParityImages;
  /** int8: range estimator. @default 'minmax' */
  readonly calibration?: CalibrationMethod;
  /** int8: percentile of 'percentile' calibration. @default 99.99 */
  readonly percentile?: number;
}

/** What compileModelPackage wrote. */
export interface CompilePackageResult {
  readonly outDir: string;
  readonly manifest: ModelManifest;
  readonly files: { readonly wasm: string; readonly js: string };
  readonly report: CompileReport & { readonly int8Nodes?: number; readonly floatNodes?: readonly string[] };
}

/** Compiles the model package in `modelDir` into `outDir` (which may be `modelDir`). */
export async function compileModelPackage(
  modelDir: string,
  outDir: string,
  options: CompilePackageOptions = {},
): Promise<CompilePackageResult> {
  const precision = options.precision ?? 'float32';
  const input = await loadPassPackage(modelDir);
  try {
    const { manifest } = input;
    const { graph } = prepareGraphForExport(input.model, {
      metadata: { labels: manifest.labels, props: { name: manifest.name } },
    });
    let compiledGraph = graph;
    let quantization: { int8Nodes: number; floatNodes: string[]; floatNodeNames: string[] } | undefined;
    if (precision === 'int8') {
      if (options.calibrationImages === undefined) {
        throw new TypeError('compileModelPackage: int8 needs calibrationImages');
      }
      const ranges = await calibrate(graph, options.calibrationImages, {
        method: options.calibration ?? 'minmax',
        percentile: options.percentile ?? 99.99,
      });
      const quantized = quantizeGraph(graph, ranges);
      compiledGraph = { ...quantized.graph, name: manifest.name };
      quantization = {
        int8Nodes: quantized.report.int8Nodes.length,
        floatNodes: quantized.report.floatNodes.map((f) => `${f.node} (${f.reason})`),
        floatNodeNames: quantized.report.floatNodes.map((f) => f.node),
      };
    }
    const names = compiledFileNames(precision);
    // As the quantize pass labels its files: 'mixed' when a node other than the final one stays float.
    const lastNode = graph.nodes.at(-1)?.name;
    const filePrecision =
      precision === 'int8' && quantization && quantization.floatNodeNames.some((n) => n !== lastNode)
        ? 'mixed'
        : precision;
    const compiled = await compileGraph(
      { ...compiledGraph, name: manifest.name },
      { labels: manifest.labels, wasmFile: names.wasm },
    );
    const report = {
      ...compiled.report,
      ...(quantization ? { int8Nodes: quantization.int8Nodes, floatNodes: quantization.floatNodes } : {}),
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
    const files = [...(input.files ?? []).filter((f) => !replaced.has(f.path)), ...added];
    const written = await savePassPackage({ ...input, files }, outDir);
    return { outDir, manifest: written, files: { wasm: names.wasm, js: names.js }, report };
  } finally {
    input.model.dispose();
  }
}
