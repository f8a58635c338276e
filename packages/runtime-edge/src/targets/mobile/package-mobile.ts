/**
 * `packageMobile`: a model package to the files an Android or iOS app bundles: every `.tflite`
 * variant the package holds (`model.tflite` float32, `model.int8.tflite` int8 when quantised),
 * `labels.txt`, `metadata.json` (input, preprocessing, outputs, int8 quantisation parameters) and
 * a README with Kotlin and Swift snippets. Every file's signature must take the manifest's input
 * shape and answer one score per label, and each float32-input file is loaded in TFLite's
 * interpreter (tfjs-tflite) and must do so too, before anything is written.
 * Staged in a temporary sibling and renamed into place; nothing half-written is left behind. Node only.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, EdgemlError, type ModelFileEntry, type ModelManifest } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { modelLoadError } from '../../adapters/model-load-error.js';
import { loadTfliteModel } from '../../adapters/tflite/tflite-runtime-node.js';
import { checkOverwritable } from '../overwrite-guard.js';
import { type MobileModelFile, mobileMetadata } from './mobile-metadata.js';
import { mobileReadme } from './mobile-readme.js';
import { readTfliteSignature, type TfliteSignature } from './read-tflite-signature.js';

/** Name of the metadata file; its `schema` field marks directories the packager may overwrite. */
export const MOBILE_METADATA_FILE = 'metadata.json';
/** Name of the labels file. */
export const MOBILE_LABELS_FILE = 'labels.txt';

/** Options of packageMobile. */
export interface PackageMobileOptions {
  /** Skip loading each file in tfjs-tflite. @default false */
  readonly skipCheck?: boolean;
}

/** What packageMobile wrote. */
export interface PackageMobileResult {
  readonly outDir: string;
  /** The `.tflite` files, float32 first, with their paths in the output. */
  readonly models: readonly { readonly path: string; readonly precision: string; readonly bytes: number }[];
  /** Every file written (relative paths). */
  readonly files: readonly string[];
  /** Files not checked in tfjs-tflite (int8 input), with why. */
  readonly warnings: readonly string[];
}

/** Loads `bytes` in tfjs-tflite and checks it answers `labels` scores for a zero input. */
async function checkInTflite(bytes: Uint8Array, path: string, labels: number): Promise<void> {
  let model: Awaited<ReturnType<typeof loadTfliteModel>>;
  try {
    model = await loadTfliteModel(bytes);
  } catch (error) {
    throw modelLoadError('tflite', path, error);
  }
  try {
    const size = model.inputShape.reduce((a, b) => a * b, 1);
    const scores = model.predict(new Float32Array(size), model.inputShape);
    if (scores.length !== labels) {
      throw new EdgemlError(
        'MODEL_INVALID',
        `model file '${path}' answers ${scores.length} scores, but the manifest lists ${labels} labels`,
        { file: path, scores: scores.length, labels },
      );
    }
  } finally {
    model.close();
  }
}

/**
 * Throws a MODEL_INVALID error unless the file's input is the manifest's image (NHWC or NCHW, batch
 * first) and its output one score per label: metadata.json describes the manifest's input, so a
 * file that takes another would be fed a tensor it does not accept.
 */
function checkSignature(signature: TfliteSignature, manifest: ModelManifest, path: string): void {
  const [height, width, channels] = manifest.input.shape;
  const shape = signature.inputs[0]?.shape ?? [];
  const nhwc = shape.length === 4 && shape[1] === height && shape[2] === width && shape[3] === channels;
  const nchw = shape.length === 4 && shape[1] === channels && shape[2] === height && shape[3] === width;
  if (!nhwc && !nchw) {
    throw new EdgemlError(
      'MODEL_INVALID',
      `model file '${path}' takes input [${shape.join(', ')}], but the manifest's input is ${height} x ${width} x ${channels} ([1, ${height}, ${width}, ${channels}] NHWC or [1, ${channels}, ${height}, ${width}] NCHW)`,
      { file: path, fileShape: [...shape], manifestShape: [...manifest.input.shape] },
    );
  }
  const output = signature.outputs[0]?.shape ?? [];
  const scores = output[output.length - 1];
  if (scores !== manifest.labels.length) {
    throw new EdgemlError(
      'MODEL_INVALID',
      `model file '${path}' answers ${scores ?? 0} scores (output [${output.join(', ')}]), but the manifest lists ${manifest.labels.length} labels`,
      { file: path, scores, labels: manifest.labels.length },
    );
  }
}

const byPrecision = (a: ModelFileEntry, b: ModelFileEntry) =>
  Number(a.precision !== 'float32') - Number(b.precision !== 'float32') || a.path.localeCompare(b.path);

/** Packages the `.tflite` files of `modelDir` for mobile apps in `outDir` (see the file comment). */
export async function packageMobile(
  modelDir: string,
  outDir: string,
  options: PackageMobileOptions = {},
): Promise<PackageMobileResult> {
  const target = resolve(outDir);
  await checkOverwritable(target, {
    what: 'a mobile target',
    file: MOBILE_METADATA_FILE,
    isOurs: (text) => text.includes('"edgeml-mobile-metadata/'),
  });
  const pkg = await readModelPackageDir(modelDir, { verify: true });
  const { manifest } = pkg;
  const entries = manifest.files.filter((f) => f.format === 'tflite').sort(byPrecision);
  if (entries.length === 0) {
    const held = manifest.files.map((f) => `${f.path} (${f.format})`).join(', ');
    throw new EdgemlError(
      'UNSUPPORTED',
      `model package '${manifest.name}' has no .tflite file (it holds ${held}); run \`edgeml export --format tflite\` (or \`edgeml quantize\` for int8) first`,
      { package: manifest.name },
    );
  }
  const warnings: string[] = [];
  const models: (MobileModelFile & { bytes: Uint8Array })[] = [];
  for (const entry of entries) {
    const bytes = await pkg.readFile(entry.path);
    const signature = readTfliteSignature(bytes, entry.path);
    checkSignature(signature, manifest, entry.path);
    const inputType = signature.inputs[0]?.dtype;
    if (inputType === 'float32') {
      if (!options.skipCheck) await checkInTflite(bytes, entry.path, manifest.labels.length);
    } else {
      warnings.push(
        `${entry.path} takes ${inputType} input: not checked in tfjs-tflite (float32 input only)`,
      );
    }
    models.push({ entry, path: basename(entry.path), signature, bytes });
  }
  const names = new Set(models.map((m) => m.path));
  if (names.size !== models.length) {
    throw new ConfigError(
      `'${manifest.name}' holds two .tflite files with the same name in different folders`,
    );
  }

  const staging = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(staging, { recursive: true });
    for (const model of models) await writeFile(join(staging, model.path), model.bytes);
    await writeFile(join(staging, MOBILE_LABELS_FILE), `${manifest.labels.join('\n')}\n`);
    const metadata = mobileMetadata(manifest, pkg.manifestSha256, models, MOBILE_LABELS_FILE);
    await writeFile(join(staging, MOBILE_METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
    await writeFile(join(staging, 'README.md'), mobileReadme(manifest, models));
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return {
    outDir: target,
    models: models.map((m) => ({
      path: m.path,
      precision: m.entry.precision ?? 'float32',
      bytes: m.entry.bytes,
    })),
    files: [...models.map((m) => m.path), MOBILE_LABELS_FILE, MOBILE_METADATA_FILE, 'README.md'],
    warnings,
  };
}
