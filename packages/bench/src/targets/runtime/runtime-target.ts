/**
 * In-process targets (onnxruntime-node, onnxruntime-web's wasm in Node, edgeml compile's module, tfjs-tflite, LiteRT.js, TF.js on the
 * wasm and cpu backends): each cold start in a fresh process, then one fresh process that measures
 * everything else.
 */
import { findModelFile, type ModelFileFormat } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import type { ModuleColdStart } from '../../report/types.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../target.js';
import { moduleColdStart } from './module-cold-start.js';
import { packageVersion, resolvedFrom } from './package-version.js';
import { runtimeCodeSize } from './runtime-code-size.js';
import type { RuntimeTargetName } from './runtime-job.js';
import { runCaseProcess } from './spawn-case.js';

const FORMATS: Record<RuntimeTargetName, ModelFileFormat> = {
  'ort-node': 'onnx',
  'ort-web': 'onnx',
  'edgeml-wasm': 'wasm',
  tflite: 'tflite',
  litert: 'tflite',
  'tfjs-wasm': 'tfjs-layers',
  'tfjs-cpu': 'tfjs-layers',
};

const PACKAGES: Record<RuntimeTargetName, string> = {
  'ort-node': 'onnxruntime-node',
  'ort-web': 'onnxruntime-web',
  // A compiled model needs no runtime package: the Classifier's adapter is part of runtime-edge.
  'edgeml-wasm': '@edgeml/runtime-edge',
  tflite: '@tensorflow/tfjs-tflite',
  litert: '@litertjs/core',
  'tfjs-wasm': '@tensorflow/tfjs-backend-wasm',
  'tfjs-cpu': '@tensorflow/tfjs',
};

/** Options of an in-process target. */
export interface RuntimeTargetOptions {
  /** Longest a case process may run; past it the process is killed and the case errors. @default 600000 */
  readonly processTimeoutMs?: number;
  /** Name in the report. @default the runtime target's name */
  readonly name?: string;
}

/** Creates the in-process target `name`. */
export function createRuntimeTarget(
  name: RuntimeTargetName,
  options: RuntimeTargetOptions = {},
): BenchTarget {
  const timeout = options.processTimeoutMs ?? 600_000;
  return {
    name: options.name ?? name,
    format: FORMATS[name],
    async unavailable() {
      return runtimePackageVersion(PACKAGES[name]) === undefined
        ? `package ${PACKAGES[name]} is not installed`
        : undefined;
    },
    async unsupported(context: CaseContext) {
      const pkg = await readModelPackageDir(context.modelDir, { verify: false });
      try {
        findModelFile(pkg.manifest, FORMATS[name], context.precision);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    async measure(context: CaseContext): Promise<TargetMeasurement> {
      const job = {
        target: name,
        modelDir: context.modelDir,
        precision: context.precision,
        imagesFile: context.imagesFile,
        warmupIterations: context.settings.warmupIterations,
        minIterations: context.settings.minIterations,
        maxIterations: context.settings.maxIterations,
        timeMs: context.settings.timeMs,
        batchSizes: context.settings.batchSizes,
      };
      const coldStarts = [];
      for (let i = 1; i < context.settings.coldStarts; i++) {
        context.note(`cold start ${i}/${context.settings.coldStarts}`);
        coldStarts.push((await runCaseProcess({ ...job, mode: 'cold' }, context.workDir, timeout)).coldStart);
      }
      context.note('latency, throughput, accuracy');
      const full = await runCaseProcess({ ...job, mode: 'full' }, context.workDir, timeout);
      coldStarts.push(full.coldStart);
      if (!full.samples || !full.predictions || !full.memory)
        throw new Error(`${name}: incomplete measurement`);
      const code = await runtimeCodeSize(name, context.modelDir, context.precision).catch(() => undefined);
      let moduleCold: ModuleColdStart | undefined;
      if (name === 'edgeml-wasm') {
        context.note(`model.js alone: ${context.settings.coldStarts} fresh processes`);
        moduleCold = await moduleColdStart(context.modelDir, context.precision, context.settings.coldStarts);
      }
      return {
        ...(code ? { runtimeCode: code } : {}),
        ...(moduleCold ? { moduleColdStart: moduleCold } : {}),
        backend: full.backend,
        coldStarts,
        warmupIterations: full.warmupIterations ?? 0,
        samples: full.samples,
        predictions: full.predictions,
        memory: full.memory,
        ...(full.batches ? { batches: full.batches } : {}),
        ...(full.batchNote ? { batchNote: full.batchNote } : {}),
      };
    },
  };
}

/** Version of a runtime package as @edgeml/runtime-edge resolves it (undefined when not installed). */
export function runtimePackageVersion(name: string): string | undefined {
  return packageVersion(name, resolvedFrom('@edgeml/runtime-edge/node') ?? import.meta.url);
}
