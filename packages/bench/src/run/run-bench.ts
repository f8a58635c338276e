/**
 * runBench: every model package × precision × target, one case after the other (cases compete
 * for the same cores), each turned into an ok, skipped or errored row; then accuracy agreement with
 * each model's float32 reference, and the environment block.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError, EdgemlError, findModelFile, MODEL_FORMATS, type ModelManifest } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { collectEnvironment, loadAverageNow } from '../environment/environment.js';
import {
  BENCH_REPORT_VERSION,
  type BenchModel,
  type BenchPrecision,
  type BenchReport,
  type CaseFile,
  type CaseResult,
  type OkCase,
  TARGET_NAMES,
} from '../report/types.js';
import { summarize } from '../stats/summary.js';
import { createTarget } from '../targets/registry.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../targets/target.js';
import { withAgreement } from './agreement.js';
import { type BenchImageSet, benchDataset, loadBenchImages } from './images.js';
import { BENCH_OPTIONS, type BenchOptions, resolveSettings } from './options.js';

/** Every built-in target, in report order (the harness's TARGET_NAMES). */
export const DEFAULT_TARGETS = TARGET_NAMES;

interface LoadedModel {
  readonly dir: string;
  readonly manifest: ModelManifest;
  readonly info: BenchModel;
  readonly precisions: readonly BenchPrecision[];
}

async function loadModel(dir: string, wanted: readonly BenchPrecision[]): Promise<LoadedModel> {
  const pkg = await readModelPackageDir(dir, { verify: true });
  const files: BenchModel['files'][number][] = [];
  for (const entry of pkg.manifest.files) {
    if (!(MODEL_FORMATS as readonly string[]).includes(entry.format) && entry.format !== 'tfjs-weights')
      continue;
    const bytes = await pkg.readFile(entry.path);
    files.push({
      path: entry.path,
      format: entry.format,
      precision: entry.precision ?? 'float32',
      bytes: bytes.byteLength,
      gzipBytes: gzipSync(bytes, { level: 9 }).byteLength,
    });
  }
  // Every requested precision is kept: a (precision, target) case the package cannot give is a
  // skipped row naming what is missing (caseSkipReason), never a silently absent one.
  return {
    dir,
    manifest: pkg.manifest,
    info: { name: pkg.manifest.name, dir, manifestSha256: pkg.manifestSha256, files },
    precisions: [...new Set(wanted)],
  };
}

/**
 * Why the package holds no file `target` can load at `precision` (findModelFile's message, naming the
 * files it does hold; for a compiled module, the `edgeml compile` command that writes it), or undefined.
 */
export function missingModelFileReason(
  manifest: ModelManifest,
  dir: string,
  target: Pick<BenchTarget, 'format'>,
  precision: BenchPrecision,
): string | undefined {
  try {
    findModelFile(manifest, target.format, precision);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (target.format !== 'wasm') return message;
    const flag = precision === 'float32' ? '' : ` --precision ${precision}`;
    return `${message}: no ${precision} module compiled by edgeml compile (\`edgeml compile --model ${dir}${flag} --out ${dir}\` writes it, or names the op it cannot compile)`;
  }
}

/** Raw + gzip bytes of the file a target loads (TF.js layers: model.json plus its weight shards). */
function caseFile(model: LoadedModel, target: BenchTarget, precision: BenchPrecision): CaseFile {
  const entry = findModelFile(model.manifest, target.format, precision);
  const own = model.info.files.find((f) => f.path === entry.path);
  if (target.format !== 'tfjs-layers' || !own)
    return { path: entry.path, bytes: own?.bytes ?? entry.bytes, gzipBytes: own?.gzipBytes ?? 0 };
  const dir = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/') + 1) : '';
  const weights = model.info.files.filter((f) => f.format === 'tfjs-weights' && f.path.startsWith(dir));
  return {
    path: entry.path,
    bytes: own.bytes + weights.reduce((a, f) => a + f.bytes, 0),
    gzipBytes: own.gzipBytes + weights.reduce((a, f) => a + f.gzipBytes, 0),
  };
}

function okRow(
  key: { model: string; precision: BenchPrecision; target: string },
  file: CaseFile,
  m: TargetMeasurement,
  images: BenchImageSet,
): OkCase {
  const correct = m.predictions.filter((p, i) => p === images.info.labels[i]).length;
  const endToEnd = m.samples.endToEnd;
  const sum = endToEnd.reduce((a, b) => a + b, 0);
  const best = m.batches?.reduce<(typeof m.batches)[number] | undefined>(
    (a, b) => (a === undefined || b.imagesPerSecond > a.imagesPerSecond ? b : a),
    undefined,
  );
  return {
    ...key,
    status: 'ok',
    backend: m.backend,
    file,
    coldStart: { samples: m.coldStarts, total: summarize(m.coldStarts.map((c) => c.total)) },
    latency: {
      warmupIterations: m.warmupIterations,
      samples: m.samples,
      endToEnd: summarize(endToEnd),
      inference: summarize(m.samples.inference),
    },
    throughput: {
      sequentialImagesPerSecond: sum > 0 ? (endToEnd.length * 1000) / sum : 0,
      ...(m.batches && m.batches.length > 0 ? { batches: m.batches } : {}),
      ...(best ? { bestBatch: best } : {}),
      ...(m.batchNote ? { batchNote: m.batchNote } : {}),
      ...(m.concurrency ? { concurrency: m.concurrency } : {}),
    },
    memory: m.memory,
    accuracy: {
      images: m.predictions.length,
      correct,
      accuracy: m.predictions.length > 0 ? correct / m.predictions.length : 0,
      predictions: m.predictions,
    },
    ...(m.runtimeCode ? { runtimeCode: m.runtimeCode } : {}),
    ...(m.moduleColdStart ? { moduleColdStart: m.moduleColdStart } : {}),
    ...(m.cpu ? { cpu: m.cpu } : {}),
    ...(m.load ? { load: m.load } : {}),
    ...(m.extra ? { extra: m.extra } : {}),
  };
}

function erroredRow(
  key: { model: string; precision: BenchPrecision; target: string },
  error: unknown,
): CaseResult {
  const message = (error as Error)?.message || String(error);
  return {
    ...key,
    status: 'errored',
    message: message.slice(0, 4000),
    ...(error instanceof EdgemlError ? { code: error.code } : {}),
  };
}

/** Runs the benchmark and returns its report (write it with writeBenchReport). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const loadStart = loadAverageNow();
  const settings = resolveSettings(options);
  if (options.models.length === 0) throw new ConfigError("'models' must list at least one model package");
  const precisions = options.precisions ?? ['float32', 'int8'];
  const targets = (options.targets ?? DEFAULT_TARGETS).map((t) =>
    typeof t === 'string' ? createTarget(t) : t,
  );
  const models: LoadedModel[] = [];
  for (const dir of options.models) models.push(await loadModel(resolve(dir), precisions));
  const dataset = await benchDataset(
    models.map((m) => m.manifest),
    options.dataset,
  );
  const images = await loadBenchImages(
    dataset,
    options.images ?? BENCH_OPTIONS.images.default,
    options.seed ?? 0,
  );

  const unavailable = new Map<BenchTarget, string | undefined>();
  for (const target of targets) unavailable.set(target, await target.unavailable().catch((e) => String(e)));

  const work = await mkdtemp(join(tmpdir(), 'edgeml-bench-'));
  const imagesFile = join(work, 'images.json');
  await writeFile(imagesFile, JSON.stringify(images.pngs.map((p) => Buffer.from(p).toString('base64'))));
  const total = models.reduce((n, m) => n + m.precisions.length, 0) * targets.length;
  const rows: CaseResult[] = [];
  const progress = options.onProgress ?? (() => {});
  try {
    for (const model of models) {
      for (const precision of model.precisions) {
        for (const target of targets) {
          const key = { model: model.info.name, precision, target: target.name };
          const label = `${model.info.name} ${precision} ${target.name}`;
          progress({ phase: 'case', current: rows.length, total, message: label });
          const workDir = join(work, `case-${rows.length}`);
          await mkdir(workDir, { recursive: true });
          const context: CaseContext = {
            modelDir: model.dir,
            model: model.info.name,
            precision,
            images,
            imagesFile,
            workDir,
            settings,
            note: (message) =>
              progress({ phase: 'case', current: rows.length, total, message: `${label}: ${message}` }),
          };
          let row: CaseResult;
          const skip =
            unavailable.get(target) ??
            missingModelFileReason(model.manifest, model.dir, target, precision) ??
            (await target.unsupported?.(context).catch((e) => String(e)));
          if (skip) row = { ...key, status: 'skipped', reason: skip };
          else {
            try {
              row = okRow(key, caseFile(model, target, precision), await target.measure(context), images);
            } catch (error) {
              row = erroredRow(key, error);
            }
          }
          await rm(workDir, { recursive: true, force: true });
          rows.push(row);
          options.onCase?.(row);
          progress({ phase: 'case', current: rows.length, total, message: `${label}: ${row.status}` });
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const environment = collectEnvironment(loadStart);
  for (const target of targets) {
    const extra = await target.describe?.().catch(() => undefined);
    Object.assign(environment.versions, extra?.versions ?? {});
    Object.assign(environment.wasm, extra?.wasm ?? {});
  }
  return {
    reportVersion: BENCH_REPORT_VERSION,
    createdAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    settings,
    environment,
    images: images.info,
    models: models.map((m) => m.info),
    cases: withAgreement(rows),
  };
}
