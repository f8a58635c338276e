/**
 * The package stage's compile step: the final model compiled by @edgeml/compiler (float32, and int8
 * when the final model has int8 files) into one package beside the stage's targets, each module
 * checked against the package's ONNX file of the same precision in onnxruntime-node on the export
 * stage's parity images (top-1 equality and max |dp|, as the export stage checks its files). A module
 * is usable by the Worker and the web page only when it compiled and its parity holds; otherwise the
 * reason is recorded (the compiler's typed error naming the op, a quantisation the compiler does not
 * reproduce, or a parity miss) and the targets fall back to onnxruntime-web. int8 compiles the
 * package's model.int8.onnx (the quantize stage's file: its parameters, computed as onnxruntime
 * computes them); only a package without one is calibrated again by the compiler.
 */

import type { CompilePackageResult } from '@edgeml/compiler';
import { EdgemlError, type ModelManifest } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { parityImagesFor } from '@edgeml/optimizer';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { datasetForModel, sampleBatch } from '@edgeml/trainer';
import type { StageContext } from '../engine/stage.js';
import type { StageInput } from '../engine/stage-record.js';

/**
 * The compiler as a stage input (`compiler`: compilerFingerprint, the hash of its version, flags and
 * kernel sources), for the stages whose output depends on compiled modules (the package stage's
 * modules, the gates' timings of them): new kernels re-run them instead of reusing an old compile.
 */
export async function compilerInput(): Promise<StageInput> {
  // Imported here, as the compile step does: a run on onnxruntime-web never loads the compiler.
  const { compilerFingerprint } = await import('@edgeml/compiler');
  return { name: 'compiler', sha256: await compilerFingerprint() };
}

/** Largest max |dp| (softmax probabilities) between the compiled module and onnxruntime-node it accepts. */
export const COMPILED_PARITY_TOLERANCE = 1e-4;

/** Compile precisions. */
export type CompiledPrecision = 'float32' | 'int8';

/** The compiled module against onnxruntime-node on the same images. */
export interface CompiledParity {
  readonly images: number;
  /** Fraction of images whose top-1 class is the same. */
  readonly top1Agreement: number;
  /** Largest |p_compiled - p_onnx| over every class of every image. */
  readonly maxAbsDiff: number;
  /** The ONNX file compared against. */
  readonly onnxFile: string;
}

/** What happened to one precision. */
export interface CompiledVariant {
  readonly precision: CompiledPrecision;
  /** True when the module compiled and its parity holds: the targets may ship it. */
  readonly usable: boolean;
  /** Why not, when not usable. */
  readonly reason?: string;
  /** The compiler's module and its report, when it compiled. */
  readonly wasm?: { readonly path: string; readonly bytes: number; readonly codeBytes: number };
  readonly parity?: CompiledParity;
}

/** The compile step's outcome: the package the targets read and one entry per precision tried. */
export interface CompileFinalResult {
  /** The package to hand the packagers: the compiled copy, or the source when nothing compiled. */
  readonly modelDir: string;
  readonly variants: readonly CompiledVariant[];
}

function errorText(error: unknown): string {
  if (error instanceof EdgemlError) return `${error.name} (${error.code}): ${error.message}`;
  throw error;
}

/**
 * Why the compiler's own int8 (static per-channel PTQ, nothing kept float; used only for a package
 * without an int8 ONNX model) would not be the quantize stage's int8, or null.
 */
function int8Mismatch(q: StageContext['config']['quantize']): string | null {
  if (q.method !== 'ptq')
    return `the quantize stage used method '${q.method}'; the compiler's int8 is static PTQ, so its parameters would not be model.int8.onnx's`;
  if (q.perTensor) return 'the quantize stage used per-tensor weights; the compiler quantises per channel';
  if (q.keepFloat.length > 0)
    return `the quantize stage kept ${q.keepFloat.join(', ')} in float; the compiler keeps only what quantizeGraph keeps`;
  return null;
}

async function parityOf(
  dir: string,
  manifest: ModelManifest,
  precision: CompiledPrecision,
  ctx: StageContext,
): Promise<CompiledParity | undefined> {
  const count = ctx.config.export.parityImages;
  if (count === 0) return undefined;
  const images = await parityImagesFor(manifest, await ctx.dataset(), count);
  const [n, h, w, c] = images.shape;
  const size = h * w * c;
  const wasm = await createClassifier(dir, { runtime: 'edgeml-wasm', precision });
  const onnx = await createClassifier(dir, { runtime: 'ort-node', precision });
  try {
    const k = manifest.labels.length;
    let agree = 0;
    let maxAbsDiff = 0;
    for (let i = 0; i < n; i++) {
      const nhwc = images.x.slice(i * size, (i + 1) * size);
      const probs = async (classifier: typeof wasm) => {
        const tensor = classifier.inputSpec.layout === 'NCHW' ? toNchw(nhwc, h, w, c) : nhwc;
        const { predictions } = await classifier.classify(tensor, { topK: k });
        const p = new Float64Array(k);
        for (const prediction of predictions) p[prediction.index] = prediction.probability;
        return { p, top1: predictions[0]?.index ?? -1 };
      };
      const a = await probs(wasm);
      const b = await probs(onnx);
      if (a.top1 === b.top1) agree++;
      for (let j = 0; j < k; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((a.p[j] ?? 0) - (b.p[j] ?? 0)));
    }
    return { images: n, top1Agreement: agree / n, maxAbsDiff, onnxFile: onnx.file.path };
  } finally {
    await wasm.dispose();
    await onnx.dispose();
  }
}

function toNchw(x: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let ch = 0; ch < c; ch++) out[ch * h * w + y * w + xx] = x[(y * w + xx) * c + ch] ?? 0;
  return out;
}

/**
 * Compiles the final model in `source` into `outDir` for each of `precisions` and checks each
 * module's parity (see the file comment). Never throws for a model the compiler does not cover.
 */
export async function compileFinalModel(
  ctx: StageContext,
  source: string,
  outDir: string,
  precisions: readonly CompiledPrecision[],
): Promise<CompileFinalResult> {
  const variants: CompiledVariant[] = [];
  let modelDir = source;
  for (const precision of precisions) {
    // Imported here: the compiler brings AssemblyScript and binaryen, which a run that reuses this stage never needs.
    const { compileModelPackage, int8OnnxFile } = await import('@edgeml/compiler');
    const { manifest } = await readModelPackageDir(modelDir);
    // With the quantize stage's model.int8.onnx the compiler compiles that file's quantisation
    // (whatever the method: PTQ, QAT, per-tensor, nodes kept float); only without one would it
    // calibrate again, and then the scheme must be one it reproduces.
    const fromOnnx = precision === 'int8' && int8OnnxFile(manifest) !== undefined;
    if (precision === 'int8' && !fromOnnx) {
      const mismatch = int8Mismatch(ctx.config.quantize);
      if (mismatch !== null) {
        variants.push({ precision, usable: false, reason: `not compiled: ${mismatch}` });
        ctx.note(`compile ${precision}: not compiled: ${mismatch}`);
        continue;
      }
    }
    ctx.onProgress({
      phase: 'compile',
      current: variants.length,
      total: precisions.length,
      message: precision,
    });
    let compiled: CompilePackageResult;
    try {
      const q = ctx.config.quantize;
      const calibration =
        precision === 'int8' && !fromOnnx
          ? await sampleBatch(
              datasetForModel(
                await ctx.dataset(),
                { name: (await ctx.dataset()).info.name },
                manifest,
              ).forModel.split('train'),
              q.calibrationImages,
              0,
            )
          : undefined;
      compiled = await compileModelPackage(modelDir, outDir, {
        precision,
        calibration: q.calibration,
        percentile: q.percentile,
        ...(calibration && {
          calibrationImages: {
            x: calibration.x,
            shape: calibration.shape as [number, number, number, number],
          },
        }),
      });
    } catch (error) {
      variants.push({ precision, usable: false, reason: `compile failed: ${errorText(error)}` });
      ctx.note(`compile ${precision}: ${variants.at(-1)?.reason}`);
      continue;
    }
    modelDir = outDir;
    const wasm = {
      path: compiled.files.wasm,
      bytes: compiled.report.wasmBytes,
      codeBytes: compiled.report.codeBytes,
    };
    const parity = await parityOf(outDir, compiled.manifest, precision, ctx);
    let reason: string | undefined;
    if (parity && (parity.top1Agreement < 1 || parity.maxAbsDiff > COMPILED_PARITY_TOLERANCE))
      reason = `parity with onnxruntime-node on ${parity.onnxFile} failed: top-1 agreement ${parity.top1Agreement}, max |dp| ${parity.maxAbsDiff.toExponential(2)} (allowed ${COMPILED_PARITY_TOLERANCE})`;
    variants.push({
      precision,
      usable: reason === undefined,
      wasm,
      ...(parity && { parity }),
      ...(reason !== undefined && { reason }),
    });
    ctx.note(
      `compile ${precision}: ${wasm.path} ${(wasm.bytes / 1024).toFixed(1)} KiB` +
        (parity
          ? `, parity with onnxruntime-node on ${parity.images} images: top-1 ${(parity.top1Agreement * 100).toFixed(1)}%, max |dp| ${parity.maxAbsDiff.toExponential(2)}`
          : ', parity not checked (export.parityImages is 0)') +
        (reason !== undefined ? ` — not used: ${reason}` : ''),
    );
  }
  return { modelDir, variants };
}
