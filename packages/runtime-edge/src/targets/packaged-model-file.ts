/**
 * Which model file a Worker or a web page ships for a runtime: the ONNX file for 'ort-web' (an int8
 * file planned for ort-web first), the module `edgeml compile` wrote for 'edgeml-wasm'. A package
 * without a compiled module of that precision is refused with a typed error saying to run
 * `edgeml compile` (the packager does not compile: an int8 compile calibrates on the model's data
 * set, which a packager is not given). Checked at packaging time: loaded in Node (onnxruntime-node,
 * or the compiled module itself) and fed a zero image, it must answer one score per label. Node only.
 */
import { findModelFile, type ModelFileEntry, type ModelPackage, UnsupportedError } from '@edgeml/core';
import { loadEdgemlWasmAdapter } from '../adapters/edgeml-wasm/edgeml-wasm-adapter.js';
import type { ClassifierPrecision } from '../classifier/classifier.js';
import { inputSpecFor } from '../preprocess/input-spec.js';
import { checkOnnxAgainstManifest } from './check-onnx-model.js';

/** Runtimes the Worker and the web page run a model on. */
export const PACKAGE_RUNTIMES = ['edgeml-wasm', 'ort-web'] as const;
/** 'edgeml-wasm' (the module edgeml compile wrote) or 'ort-web' (onnxruntime-web on the ONNX file). */
export type PackageRuntime = (typeof PACKAGE_RUNTIMES)[number];

/** Whether the package holds a module compiled by `edgeml compile` of `precision`. */
export function hasCompiledModel(pkg: ModelPackage, precision: ClassifierPrecision): boolean {
  try {
    findModelFile(pkg.manifest, 'wasm', precision, 'edgeml-wasm');
    return true;
  } catch {
    return false;
  }
}

/** The model file shipped for `runtime` (see the file comment); a typed error when there is none. */
export function packagedModelFile(
  pkg: ModelPackage,
  runtime: PackageRuntime,
  precision: ClassifierPrecision,
): ModelFileEntry {
  if (runtime === 'ort-web') return findModelFile(pkg.manifest, 'onnx', precision, 'ort-web');
  if (!hasCompiledModel(pkg, precision)) {
    const flag = precision === 'int8' ? ' --precision int8' : '';
    throw new UnsupportedError(
      `model package '${pkg.manifest.name}' has no ${precision} module compiled by edgeml compile (runtime 'edgeml-wasm'); compile it first: edgeml compile --model <dir>${flag} --out <dir>, or package with --runtime ort-web`,
      { runtime, precision },
    );
  }
  return findModelFile(pkg.manifest, 'wasm', precision, 'edgeml-wasm');
}

/** Checks that `file` takes the manifest's input and answers one score per label (see the file comment). */
export async function checkPackagedModel(
  pkg: ModelPackage,
  file: ModelFileEntry,
  runtime: PackageRuntime,
): Promise<void> {
  inputSpecFor(pkg.manifest, file); // float32 input, or a typed error now
  await checkOnnxAgainstManifest(pkg, file, runtime === 'edgeml-wasm' ? loadEdgemlWasmAdapter : undefined);
}

/**
 * The runtime `edgeml package` picks when none is asked for: 'edgeml-wasm' when the package holds a
 * compiled module of `precision` (edgeml compile covered the model), else 'ort-web'.
 */
export function defaultPackageRuntime(pkg: ModelPackage, precision: ClassifierPrecision): PackageRuntime {
  return hasCompiledModel(pkg, precision) ? 'edgeml-wasm' : 'ort-web';
}
