/**
 * Exports a trained model package to ONNX, TFLite and TF.js files, measures each file's parity
 * with the TF.js model on real images in the runtime that reads it, and writes a new model package
 * (or adds the files to the same one): every file hashed in the manifest, the lineage extended, and
 * summary.json listing each file's size and parity.
 */

import {
  ConfigError,
  createLineageStep,
  formatAllowed,
  type ModelFileInput,
  type ModelManifest,
  type OptionDecls,
  type ProgressCallback,
  silentProgress,
} from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  deserializeLayersModel,
  loadTrainedPackage,
  serializeLayersModel,
  TFJS_MODEL_PATH,
} from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import type { IrMetadata } from '../../ir/types.js';
import type { OnnxInputLayout } from '../onnx/emit-onnx.js';
import { exportOnnx } from '../onnx/export-onnx.js';
import { measureParity, onnxruntimeNodeRuntimes, type ParityImages, type ParityRow } from '../onnx/parity.js';
import { exportTflite } from '../tflite/export-tflite.js';
import { measureTfliteParity } from '../tflite/parity.js';
import { readSourceSummary, writeDerivedPackage } from './derive-package.js';

/** Formats `exportModelPackage` writes. */
export type ExportFormat = 'onnx' | 'tflite' | 'tfjs';

/** Every export format, in the order files are written. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['onnx', 'tflite', 'tfjs'];

/**
 * The export options, declared once: `edgeml export`'s flags and the pipeline's `export` keys
 * (`parityImages` is the count of test images the caller draws for `parityImages`).
 */
export const EXPORT_OPTIONS = {
  formats: {
    kind: 'list',
    values: EXPORT_FORMATS,
    default: EXPORT_FORMATS,
    flag: 'format',
    placeholder: 'LIST',
    description: 'formats to write',
  },
  parityImages: {
    kind: 'integer',
    min: 0,
    max: 100_000,
    default: 256,
    placeholder: 'N',
    description: "test images of the model's data set for the parity check (0: skip)",
  },
  onnxInputLayout: {
    kind: 'choice',
    values: ['NHWC', 'NCHW'],
    default: 'NHWC',
    flag: 'onnx-layout',
    placeholder: 'LAYOUT',
    description: 'input layout of the ONNX model',
  },
} as const satisfies OptionDecls;

/** Options of exportModelPackage. */
export interface ExportPackageOptions {
  /** Formats to write (at least one). */
  readonly formats: readonly ExportFormat[];
  /** Normalised NHWC images to measure parity on; parity is skipped when absent. */
  readonly parityImages?: ParityImages;
  /** Layout of the ONNX model's input. @default 'NHWC' */
  readonly onnxInputLayout?: OnnxInputLayout;
  /** Version recorded in the lineage. */
  readonly toolVersion: string;
  readonly onProgress?: ProgressCallback;
}

/** Parity of one exported file in one runtime configuration. */
export interface FileParity {
  readonly runtime: string;
  readonly optLevel: string;
  readonly images: number;
  readonly maxAbsDiff: number;
  /** Fraction of images whose top-1 class equals the TF.js model's. */
  readonly top1Agreement: number;
}

/** One exported file. */
export interface ExportedFile {
  readonly format: ExportFormat;
  readonly path: string;
  readonly bytes: number;
  readonly parity: readonly FileParity[];
}

/** What exportModelPackage wrote. */
export interface ExportPackageResult {
  readonly outDir: string;
  readonly manifest: ModelManifest;
  readonly files: readonly ExportedFile[];
}

/** Checks a list of format names, e.g. from `--format onnx,tflite`. */
export function parseExportFormats(names: readonly string[]): ExportFormat[] {
  const formats = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  if (formats.length === 0)
    throw new ConfigError(`'format' must name at least one of ${formatAllowed(EXPORT_FORMATS)}`);
  for (const f of formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) {
      throw new ConfigError(`unknown export format '${f}': must be ${formatAllowed(EXPORT_FORMATS)}`, {
        allowed: EXPORT_FORMATS,
      });
    }
  }
  return EXPORT_FORMATS.filter((f) => formats.includes(f));
}

function toFileParity(rows: readonly ParityRow[]): FileParity[] {
  return rows.map((r) => ({
    runtime: r.runtime,
    optLevel: r.optLevel,
    images: r.images,
    maxAbsDiff: r.maxAbsDiff,
    top1Agreement: r.images === 0 ? Number.NaN : r.top1Agree / r.images,
  }));
}

/** Parity of the re-serialised TF.js files: loaded back (as tf.loadLayersModel would) and run on the current backend. */
async function reloadParity(
  model: tf.LayersModel,
  json: tf.io.ModelJSON,
  weights: Uint8Array,
  images: ParityImages,
): Promise<FileParity> {
  const reloaded = await deserializeLayersModel(json, [weights]);
  const [maxAbsDiff, agree] = tf.tidy(() => {
    const x = tf.tensor4d(images.x, [...images.shape]);
    const a = model.predict(x) as tf.Tensor2D;
    const b = reloaded.predict(x) as tf.Tensor2D;
    return [
      a.sub(b).abs().max().dataSync()[0] ?? Number.NaN,
      a.argMax(1).equal(b.argMax(1)).sum().dataSync()[0] ?? 0,
    ];
  });
  reloaded.dispose();
  const count = images.shape[0];
  return {
    runtime: `tfjs (${tf.getBackend()})`,
    optLevel: 'reloaded',
    images: count,
    maxAbsDiff,
    top1Agreement: agree / count,
  };
}

/** Exports the model package in `sourceDir` to `outDir` (which may be `sourceDir` itself). */
export async function exportModelPackage(
  sourceDir: string,
  outDir: string,
  options: ExportPackageOptions,
): Promise<ExportPackageResult> {
  const formats = parseExportFormats(options.formats);
  const onProgress = options.onProgress ?? silentProgress;
  const started = performance.now();
  const { manifest, manifestSha256, model } = await loadTrainedPackage(sourceDir);
  const metadata: IrMetadata = {
    labels: manifest.labels,
    preprocessing: manifest.preprocessing as unknown as Record<string, unknown>,
    props: { name: manifest.name },
  };
  const files: ModelFileInput[] = [];
  const exported: ExportedFile[] = [];
  const images = options.parityImages;
  for (const [i, format] of formats.entries()) {
    onProgress({ phase: 'export', current: i, total: formats.length, message: format });
    if (format === 'onnx') {
      const inputLayout = options.onnxInputLayout ?? 'NHWC';
      const { bytes } = exportOnnx(model, { metadata, inputLayout });
      const parity = images
        ? toFileParity(
            (
              await measureParity(model, bytes, images, {
                runtimes: onnxruntimeNodeRuntimes(['disabled', 'all']),
              })
            ).rows,
          )
        : [];
      files.push({
        path: 'model.onnx',
        bytes,
        format: 'onnx',
        precision: 'float32',
        role: 'model',
        inputLayout,
      });
      exported.push({ format, path: 'model.onnx', bytes: bytes.byteLength, parity });
    } else if (format === 'tflite') {
      const { bytes } = exportTflite(model, { metadata });
      const parity = images ? toFileParity((await measureTfliteParity(model, bytes, images)).rows) : [];
      files.push({ path: 'model.tflite', bytes, format: 'tflite', precision: 'float32', role: 'model' });
      exported.push({ format, path: 'model.tflite', bytes: bytes.byteLength, parity });
    } else {
      const { modelJson, weights } = await serializeLayersModel(model, 'weights.bin');
      const json = JSON.stringify(modelJson);
      files.push(
        { path: TFJS_MODEL_PATH, bytes: json, format: 'tfjs-layers', precision: 'float32', role: 'model' },
        {
          path: 'tfjs/weights.bin',
          bytes: weights,
          format: 'tfjs-weights',
          precision: 'float32',
          role: 'weights',
        },
      );
      const parity = images
        ? [await reloadParity(model, JSON.parse(json) as tf.io.ModelJSON, weights, images)]
        : [];
      exported.push({ format, path: TFJS_MODEL_PATH, bytes: json.length + weights.byteLength, parity });
    }
  }
  onProgress({ phase: 'export', current: formats.length, total: formats.length });

  const source = await readModelPackageDir(sourceDir, { verify: false });
  const previous = await readSourceSummary(source, manifest);
  const summary = {
    ...previous,
    exports: exported.map((f) => ({ ...f, parity: f.parity.map((p) => ({ ...p })) })),
  };
  const lineage = createLineageStep({
    kind: 'command',
    name: 'export',
    config: {
      formats: [...formats],
      onnxInputLayout: options.onnxInputLayout ?? 'NHWC',
      parityImages: images?.shape[0] ?? 0,
    },
    inputs: [{ name: manifest.name, sha256: manifestSha256, kind: 'manifest' }],
    outputs: files.map((f) => f.path),
    toolVersion: options.toolVersion,
    durationMs: Math.round(performance.now() - started),
  });
  const written = await writeDerivedPackage(outDir, { source, manifest, files, summary, lineage });
  return { outDir, manifest: written, files: exported };
}
