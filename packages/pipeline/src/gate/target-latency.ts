/**
 * A model as the gate times it on a deploy target: the package file the target would load, opened
 * in the runtime that runs it, answering one batch-1 inference at a time with its inference-only
 * milliseconds (the Classifier's `timings.inference`: the runtime call, no decoding, resizing or
 * top-k). The Worker target's runtime is onnxruntime-web on WebAssembly (one thread), and so is the
 * web page's without WebGPU: both are timed in-process in Node with onnxruntime-web's wasm backend,
 * a fair and fast proxy for their inference-only latency (workerd and Chromium add request and page
 * overheads that do not depend on the model). `ort-node` is onnxruntime-node, `tflite` tfjs-tflite.
 */
import { join } from 'node:path';
import { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { exportModelPackage } from '@edgeml/optimizer';
import { createClassifier } from '@edgeml/runtime-edge/node';
import type { TimedRun } from './ab-compare.js';

/** Deploy targets an objective can name. */
export const OBJECTIVE_TARGETS = ['worker', 'ort-web', 'chromium', 'ort-node', 'tflite'] as const;
/** A deploy target of the objective. */
export type ObjectiveTarget = (typeof OBJECTIVE_TARGETS)[number];

/** The runtime whose inference stands for each target's (see the file comment). */
export const TARGET_RUNTIME: Readonly<Record<ObjectiveTarget, 'ort-web' | 'ort-node' | 'tflite'>> = {
  worker: 'ort-web',
  'ort-web': 'ort-web',
  chromium: 'ort-web',
  'ort-node': 'ort-node',
  tflite: 'tflite',
};

/** A model opened for timing on a target. */
export interface TimedModel {
  /** One batch-1 inference; resolves to its inference-only milliseconds. */
  readonly run: TimedRun;
  /** The file the target loads (package-relative) and its bytes. */
  readonly file: string;
  readonly bytes: number;
  dispose(): Promise<void>;
}

/** Does the package in `dir` hold a file of `format` and `precision`? */
async function hasFile(dir: string, format: string, precision: string): Promise<boolean> {
  const { manifest } = await readModelPackageDir(dir);
  // An int8 file with some layers kept float (accuracy-aware, keepFloat) is 'mixed': int8 too.
  return manifest.files.some(
    (f) =>
      f.format === format &&
      ((f.precision ?? 'float32') === precision || (precision === 'int8' && f.precision === 'mixed')),
  );
}

/**
 * Opens the package in `dir` on `target` at `precision`. A package without the target's file
 * (a pass's TF.js-only output) is exported first into `workDir` (ONNX or TFLite, no parity check).
 */
export async function openTimedModel(
  dir: string,
  target: ObjectiveTarget,
  precision: 'float32' | 'int8',
  workDir: string,
): Promise<TimedModel> {
  const runtime = TARGET_RUNTIME[target];
  const format = runtime === 'tflite' ? 'tflite' : 'onnx';
  let source = dir;
  if (!(await hasFile(dir, format, precision))) {
    if (precision === 'int8')
      throw new Error(`package ${dir} has no int8 ${format} file for target '${target}'`);
    source = join(workDir, `${format}-export`);
    await exportModelPackage(dir, source, { formats: [format], toolVersion: TOOL_VERSION });
  }
  const classifier = await createClassifier(source, { runtime, precision });
  const { height, width, channels } = classifier.inputSpec;
  const tensor = new Float32Array(height * width * channels).map((_, i) => Math.sin(i));
  return {
    run: async () => (await classifier.classify(tensor, { topK: 1 })).timings.inference,
    file: classifier.file.path,
    bytes: classifier.file.bytes,
    dispose: () => classifier.dispose(),
  };
}
