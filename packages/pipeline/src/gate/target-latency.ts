/**
 * A model as the gate times it on a deploy target: the package file the target would load, opened
 * in the runtime that runs it, answering one batch-1 inference at a time with its inference-only
 * milliseconds (the Classifier's `timings.inference`: the runtime call, no decoding, resizing or
 * top-k). The web-family targets (the Worker, the web page in Chromium, `ort-web`) run what the
 * package stage ships them (`package.runtime`): unless it is 'ort-web', the model compiled by
 * @edgeml/compiler (`edgeml-wasm`: model.wasm, model.int8.wasm), which the gate compiles into its
 * work directory (compileForTiming); with 'ort-web', or when the compiler does not cover the model,
 * onnxruntime-web on WebAssembly (one thread) on the ONNX file. Both are timed in-process in Node,
 * a fair and fast proxy for their inference-only latency (workerd and Chromium add request and page
 * overheads that do not depend on the model). `ort-node` is onnxruntime-node, `tflite` tfjs-tflite.
 */
import { join } from 'node:path';
import { EdgemlError, EDGEML_VERSION as TOOL_VERSION, UnsupportedError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { exportModelPackage } from '@edgeml/optimizer';
import { createClassifier } from '@edgeml/runtime-edge/node';
import type { TimedRun } from './ab-compare.js';

/** Deploy targets an objective can name. */
export const OBJECTIVE_TARGETS = ['worker', 'ort-web', 'chromium', 'ort-node', 'tflite'] as const;
/** A deploy target of the objective. */
export type ObjectiveTarget = (typeof OBJECTIVE_TARGETS)[number];

/** The targets the package stage's worker and web packages serve: `package.runtime` decides their runtime. */
export const WEB_TARGETS: readonly ObjectiveTarget[] = ['worker', 'ort-web', 'chromium'];

/** Is `target` one of WEB_TARGETS? */
export function isWebTarget(target: ObjectiveTarget): boolean {
  return WEB_TARGETS.includes(target);
}

/** A runtime the gate times a model on. */
export type GateRuntime = 'edgeml-wasm' | 'ort-web' | 'ort-node' | 'tflite';

/**
 * The runtime each target is timed on when nothing is compiled: `package.runtime` 'ort-web', and the
 * fallback of the web-family targets when the compiler does not cover a model (see the file comment).
 */
export const TARGET_RUNTIME: Readonly<Record<ObjectiveTarget, 'ort-web' | 'ort-node' | 'tflite'>> = {
  worker: 'ort-web',
  'ort-web': 'ort-web',
  chromium: 'ort-web',
  'ort-node': 'ort-node',
  tflite: 'tflite',
};

/** What the gate measured on one target: the runtime, and each model's file and bytes. */
export interface GateTargetMeasure {
  [key: string]: unknown;
  target: ObjectiveTarget;
  runtime: GateRuntime;
  parent: { file: string; bytes: number };
  candidate: { file: string; bytes: number };
  /** Why a web-family target was measured on onnxruntime-web although `package.runtime` ships the compiled module. */
  fallback?: string;
}

/** A model opened for timing on a target. */
export interface TimedModel {
  /** One batch-1 inference; resolves to its inference-only milliseconds. */
  readonly run: TimedRun;
  /** The runtime it runs on. */
  readonly runtime: GateRuntime;
  /** The file the target loads (package-relative) and its bytes. */
  readonly file: string;
  readonly bytes: number;
  dispose(): Promise<void>;
}

/** Options of openTimedModel. */
export interface OpenTimedOptions {
  /**
   * The runtime to time on. 'edgeml-wasm' (web-family targets only) runs the package's compiled
   * module of `precision`, compiling the package into `workDir` first when it has none (a typed
   * error when the compiler does not cover it). @default TARGET_RUNTIME[target]
   */
  readonly runtime?: GateRuntime;
}

/** Does the package in `dir` hold a file of `format` and `precision`? */
async function hasFile(dir: string, format: string, precision: string): Promise<boolean> {
  const { manifest } = await readModelPackageDir(dir);
  // An int8 file with some layers kept float (accuracy-aware, keepFloat) is 'mixed': int8 too.
  return manifest.files.some(
    (f) =>
      (f.role === undefined || f.role === 'model') &&
      f.format === format &&
      ((f.precision ?? 'float32') === precision || (precision === 'int8' && f.precision === 'mixed')),
  );
}

/**
 * The package in `dir` with a module compiled by @edgeml/compiler at `precision`: `dir` itself when
 * it holds one, else compiled into `outDir` (compileModelPackage, no data: float32 from the
 * package's TF.js model, int8 from its int8 ONNX model, model.int8.onnx, as the package stage does).
 * Throws the compiler's typed error (UnsupportedError for an op it does not cover, ConfigError for
 * a package without the model it compiles from).
 */
export async function compileForTiming(
  dir: string,
  precision: 'float32' | 'int8',
  outDir: string,
): Promise<string> {
  if (await hasFile(dir, 'wasm', precision)) return dir;
  // Imported here: the compiler brings AssemblyScript and binaryen, which a gate on ort-web never needs.
  const { compileModelPackage, int8OnnxFile } = await import('@edgeml/compiler');
  if (precision === 'int8' && int8OnnxFile((await readModelPackageDir(dir)).manifest) === undefined)
    throw new UnsupportedError(
      `package ${dir} has no int8 ONNX model (model.int8.onnx) to compile; the gate compiles int8 from that file only (no calibration data)`,
      { package: dir, precision },
    );
  await compileModelPackage(dir, outDir, {
    precision,
    ...(precision === 'int8' && { quantization: 'onnx' as const }),
  });
  return outDir;
}

/** A model compiled for timing (its directory), or why it did not compile (compileFailure). */
export type CompileOutcome = { dir: string } | { reason: string };

/** The runtime a target is timed on, and the package directories to open for it. */
export interface TimingPlan {
  runtime: GateRuntime;
  parentSource: string;
  candidateSource: string;
  /** Why a web-family target is timed on onnxruntime-web although `package.runtime` ships the compiled module. */
  fallback?: string;
}

/**
 * How `target` is timed for a parent/candidate comparison, as the package stage would ship it: a
 * web-family target, unless `packageRuntime` is 'ort-web', on both models' compiled modules
 * (`compile(which)` gives each, memoised by the caller: one compile per model whatever the number
 * of targets); the others on TARGET_RUNTIME. When either model does not compile, onnxruntime-web,
 * and `fallback` says why. The gates and `edgeml optimize` both time through this.
 */
export async function planTiming(
  target: ObjectiveTarget,
  packageRuntime: string,
  sources: { parent: string; candidate: string },
  compile: (which: 'parent' | 'candidate') => Promise<CompileOutcome>,
): Promise<TimingPlan> {
  const onRuntime: TimingPlan = {
    runtime: TARGET_RUNTIME[target],
    parentSource: sources.parent,
    candidateSource: sources.candidate,
  };
  if (packageRuntime === 'ort-web' || !isWebTarget(target)) return onRuntime;
  const p = await compile('parent');
  if ('reason' in p)
    return {
      ...onRuntime,
      fallback: fallbackNote(target, packageRuntime, `the parent did not compile: ${p.reason}`),
    };
  const c = await compile('candidate');
  if ('reason' in c)
    return {
      ...onRuntime,
      fallback: fallbackNote(target, packageRuntime, `the candidate did not compile: ${c.reason}`),
    };
  return { runtime: 'edgeml-wasm', parentSource: p.dir, candidateSource: c.dir };
}

function fallbackNote(target: ObjectiveTarget, packageRuntime: string, why: string): string {
  return `${target} measured on onnxruntime-web, not the compiled module package.runtime '${packageRuntime}' ships: ${why}`;
}

/** compileForTiming as a CompileOutcome: typed compiler errors become the reason, others are thrown. */
export function compileOutcome(
  dir: string,
  precision: 'float32' | 'int8',
  outDir: string,
): Promise<CompileOutcome> {
  return compileForTiming(dir, precision, outDir).then(
    (d) => ({ dir: d }),
    (error: unknown) => ({ reason: compileFailure(error) }),
  );
}

/** Why compileForTiming failed, as one line; errors other than the typed ones are rethrown. */
export function compileFailure(error: unknown): string {
  if (error instanceof EdgemlError) return `${error.name} (${error.code}): ${error.message}`;
  throw error;
}

/**
 * Opens the package in `dir` on `target` at `precision`. On onnxruntime-web, onnxruntime-node or
 * tfjs-tflite a package without the target's file (a pass's TF.js-only output) is exported first
 * into `workDir` (ONNX or TFLite, no parity check); on 'edgeml-wasm' it is compiled there
 * (compileForTiming).
 */
export async function openTimedModel(
  dir: string,
  target: ObjectiveTarget,
  precision: 'float32' | 'int8',
  workDir: string,
  options: OpenTimedOptions = {},
): Promise<TimedModel> {
  const runtime = options.runtime ?? TARGET_RUNTIME[target];
  let source = dir;
  if (runtime === 'edgeml-wasm') {
    if (!isWebTarget(target))
      throw new UnsupportedError(
        `runtime 'edgeml-wasm' times the web-family targets only (${WEB_TARGETS.join(', ')}), got target '${target}'`,
        { target, runtime },
      );
    source = await compileForTiming(dir, precision, join(workDir, 'compiled'));
  } else {
    if (runtime !== TARGET_RUNTIME[target])
      throw new UnsupportedError(`target '${target}' is not timed on runtime '${runtime}'`, {
        target,
        runtime,
      });
    const format = runtime === 'tflite' ? 'tflite' : 'onnx';
    if (!(await hasFile(dir, format, precision))) {
      if (precision === 'int8')
        throw new Error(`package ${dir} has no int8 ${format} file for target '${target}'`);
      source = join(workDir, `${format}-export`);
      await exportModelPackage(dir, source, { formats: [format], toolVersion: TOOL_VERSION });
    }
  }
  const classifier = await createClassifier(source, { runtime, precision });
  const { height, width, channels } = classifier.inputSpec;
  const tensor = new Float32Array(height * width * channels).map((_, i) => Math.sin(i));
  return {
    run: async () => (await classifier.classify(tensor, { topK: 1 })).timings.inference,
    runtime,
    file: classifier.file.path,
    bytes: classifier.file.bytes,
    dispose: () => classifier.dispose(),
  };
}
