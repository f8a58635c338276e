/**
 * Runs the pipeline's stages in order under one run directory (`<out>/<stage>/`). Each stage's key
 * is the hash of (stage, version, its config, its inputs' manifest sha256); a stage whose record
 * has that key and whose output packages verify is reused, otherwise its directory is cleared and
 * it runs (a killed run of the same key keeps its checkpoints and resumes). The progress view is
 * one line per stage (`[stage i/N] name`, with the pipeline's ETA) and the stage's own progress.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProgressCallback } from '@edgeml/core';
import { writeJsonAtomic } from '@edgeml/core/node';
import {
  type BackendRequest,
  buildModel,
  type Dataset,
  describeModel,
  type LoadDatasetOptions,
  loadDataset,
  loadTrainedPackage,
  selectBackend,
  type ZooModelName,
} from '@edgeml/trainer';
import type { PipelineConfig } from '../config/config-schema.js';
import { PIPELINE_STAGES } from '../stages/index.js';
import type { PipelineStage, StageContext } from './stage.js';
import {
  manifestSha256,
  outputsVerify,
  readStageRecord,
  type StageRecord,
  stageKey,
  writeStageRecord,
} from './stage-record.js';

const PENDING_FILE = 'stage.pending.json';

/** Multiply-accumulates per image of the pipeline's two zoo models, and the training threads, for the ETA. */
export interface ModelCosts {
  readonly teacherMacs: number;
  readonly studentMacs: number;
  /** Threads the backend trains with (the wasm backend picks 1 on a loaded machine). @default 1 */
  readonly threads?: number;
}

/**
 * Training images per second (wasm backend) for a model of `macs` multiply-adds per image: about
 * 1.5 G MAC/s per thread for forward + backward, at most 2,500 images/s per thread (per-batch
 * overheads), from `pnpm bench:train` (cnn-small, 5.45 M MACs: 262-280/s on 1 thread, 636/s on 2;
 * LeNet-5, 0.42 M: about 2,250/s on 1).
 */
function trainRate(macs: number, threads: number): number {
  return Math.max(1, threads) * Math.max(20, Math.min(2500, 1.5e9 / Math.max(1, macs)));
}

/**
 * Rough seconds a stage takes before a run has timed it, from the images it passes over and the
 * cost of its models (ModelCosts); evaluation runs about 3x faster than training. Only an ETA:
 * once a stage has run, its measured time replaces this.
 */
export function estimateStageSeconds(
  stage: string,
  config: PipelineConfig,
  sizes: { readonly train: number; readonly test: number },
  costs: ModelCosts,
): number {
  const images = (limit: number | null) => Math.min(limit ?? sizes.train, sizes.train);
  const evalImages = Math.min(config.evalImages ?? sizes.test, sizes.test);
  const teacher = trainRate(costs.teacherMacs, costs.threads ?? 1);
  const student = trainRate(costs.studentMacs, costs.threads ?? 1);
  const { distill, prune, quantize } = config;
  // The pass gate: exports for the target's runtime, then an A/B comparison that usually separates
  // in a few seconds and never takes longer than its budget.
  const gate = 3 + (config.objective.minimize === 'size' ? 0 : Math.min(10, config.objective.latencyBudgetS));
  switch (stage) {
    case 'train':
      // A teacher loaded from a package (teacher.from) is only evaluated.
      return config.teacher.from !== null
        ? 3 + (2 * evalImages) / (3 * teacher)
        : 3 + (config.teacher.epochs * images(config.teacher.limit)) / teacher + evalImages / (3 * teacher);
    case 'distill': {
      // Cached teacher logits (one forward pass per image), or online (a forward pass per image of
      // every epoch) when augmentation or mixup changes the pixels; the student, the baseline if asked.
      const a = distill.augment;
      const online =
        distill.teacherLogits === 'online' ||
        (a.randomCropPadding ?? 0) > 0 ||
        a.horizontalFlip === true ||
        (a.randomResizedCrop ?? null) !== null ||
        (a.cutout ?? 0) > 0 ||
        a.colorJitter !== undefined;
      return (
        3 +
        ((online ? distill.epochs : 1) * images(distill.limit)) / (3 * teacher) +
        (distill.epochs * images(distill.limit) * (distill.baseline ? 2 : 1)) / student +
        evalImages / (3 * student)
      );
    }
    case 'prune':
      return 3 + (prune.finetuneEpochs * images(prune.limit)) / student + (2 * evalImages) / (3 * student);
    case 'quantize':
      return (
        5 +
        (3 * evalImages) / 1000 +
        (quantize.method === 'qat' ? (quantize.qatEpochs * images(quantize.qatImages)) / (student / 2) : 0)
      );
    case 'distill-gate':
    case 'prune-gate':
    case 'quantize-gate':
      return gate;
    case 'export':
      return 5 + config.export.parityImages / 100;
    case 'package':
      return 10;
    case 'bench':
      return 5 + 10 * config.bench.targets.length;
    default:
      return 1;
  }
}

/**
 * The MACs of the configured teacher and student on `data`'s input (models built, measured,
 * disposed); a teacher from `teacher.from` is measured on its package's model (the zoo name when it
 * cannot be loaded: the train stage then reports why).
 */
async function modelCosts(config: PipelineConfig, data: Dataset, threads: number): Promise<ModelCosts> {
  const macs = (name: string) => {
    const model = buildModel(name as ZooModelName, {
      inputShape: data.info.inputShape,
      numClasses: data.info.classNames.length,
    });
    const { macs } = describeModel(model);
    model.dispose();
    return macs;
  };
  let teacherMacs: number | undefined;
  if (config.teacher.from !== null) {
    const loaded = await loadTrainedPackage(resolve(config.teacher.from)).catch(() => undefined);
    if (loaded !== undefined) {
      teacherMacs = describeModel(loaded.model).macs;
      loaded.model.dispose();
    }
  }
  return {
    teacherMacs: teacherMacs ?? macs(config.teacher.model),
    studentMacs: macs(config.distill.student),
    threads,
  };
}

/** How the runner shows progress. */
export interface PipelineView {
  /** A line of text (stage headers, notes). */
  note(line: string): void;
  /** A progress display for one stage's own progress. */
  progress(): { onProgress: ProgressCallback; stop(): void };
}

/** One stage's outcome. */
export interface StageOutcome {
  readonly stage: string;
  readonly reused: boolean;
  readonly durationS: number;
  readonly record: StageRecord;
}

/** What a pipeline run did. */
export interface PipelineResult {
  readonly runDir: string;
  readonly stages: readonly StageOutcome[];
  readonly wallS: number;
}

const fmt = (s: number) =>
  s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;

async function prepareDir(dir: string, key: string): Promise<void> {
  const pending = await readFile(join(dir, PENDING_FILE), 'utf8')
    .then((t) => (JSON.parse(t) as { key?: string }).key)
    .catch(() => undefined);
  if (pending === key) {
    // Same work was interrupted: keep its checkpoints, drop everything else.
    for (const entry of await readdir(dir))
      if (entry !== 'checkpoints' && entry !== PENDING_FILE)
        await rm(join(dir, entry), { recursive: true, force: true });
  } else await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(join(dir, PENDING_FILE), { key });
}

/** Runs (or reuses) every stage of the pipeline for `config`. */
export async function runPipeline(
  config: PipelineConfig,
  view: PipelineView,
  stages: readonly PipelineStage[] = PIPELINE_STAGES,
): Promise<PipelineResult> {
  const started = performance.now();
  const runDir = resolve(config.out);
  await mkdir(runDir, { recursive: true });
  const datasetOptions: LoadDatasetOptions = {
    name: config.dataset.name,
    ...(config.dataset.dir !== null && { dir: config.dataset.dir }),
    ...(config.dataset.validationSize !== null && { validationSize: config.dataset.validationSize }),
    ...(config.dataset.imageSize !== null && { imageSize: config.dataset.imageSize }),
    ...(config.dataset.fit !== 'stretch' && { fit: config.dataset.fit }),
    seed: config.seed,
  };
  let dataset: Promise<Dataset> | undefined;
  const loadData = () => {
    dataset ??= loadDataset(datasetOptions);
    return dataset;
  };
  // The backend is chosen before any stage, whichever stages are reused, and is part of every
  // stage's key: parity and QAT results never depend on which stages were cache hits.
  const selected = await selectBackend(
    config.backend as BackendRequest,
    config.threads === null ? {} : { threads: config.threads },
  );
  const backend = selected.name;
  view.note(`backend: ${selected.name} (${selected.detail})`);
  const records = new Map<string, StageRecord>();
  const reused = new Set<string>();
  const outcomes: StageOutcome[] = [];
  const previous = await Promise.all(stages.map((s) => readStageRecord(join(runDir, s.name))));
  const data = await loadData();
  const sizes = { train: data.split('train').size, test: data.split('test').size };
  const costs = await modelCosts(config, data, selected.threads ?? 1);
  const estimate = stages.map(
    (s, i) => previous[i]?.durationS ?? estimateStageSeconds(s.name, config, sizes, costs),
  );

  const packageDir = (stage: string, role: string) => {
    const rel = records.get(stage)?.packages[role];
    if (rel === undefined) throw new Error(`stage '${stage}' has no output package '${role}'`);
    return join(runDir, stage, rel);
  };
  const continueFrom = (stage: string) => {
    const record = records.get(stage);
    if (record === undefined) throw new Error(`stage '${stage}' has not run`);
    if (record.next !== undefined) return { stage: record.next.stage, role: record.next.role };
    const role = Object.keys(record.packages)[0];
    if (role === undefined) throw new Error(`stage '${stage}' has no output package`);
    return { stage, role };
  };
  const base = {
    config,
    continueFrom,
    runDir,
    records,
    reused,
    packageDir,
    packageInput: async (stage: string, role: string) => ({
      name: `${stage}/${role}`,
      sha256: await manifestSha256(packageDir(stage, role)),
    }),
    dataset: loadData,
    datasetOptions,
    note: (line: string) => view.note(`  ${line}`),
  };

  for (const [i, stage] of stages.entries()) {
    const dir = join(runDir, stage.name);
    const display = view.progress();
    const ctx: StageContext = { ...base, backend, onProgress: display.onProgress };
    const inputs = await stage.inputs(ctx);
    const key = await stageKey(stage.name, stage.version, { config: stage.config(config), backend }, inputs);
    const record = previous[i];
    const header = `[stage ${i + 1}/${stages.length}] ${stage.name}: ${stage.title}`;
    if (record && record.key === key && (await outputsVerify(dir, record))) {
      display.stop();
      records.set(stage.name, record);
      reused.add(stage.name);
      outcomes.push({ stage: stage.name, reused: true, durationS: record.durationS, record });
      view.note(`${header}: reused (finished earlier in ${fmt(record.durationS)}, key ${key.slice(0, 12)})`);
      continue;
    }
    const remaining = estimate.slice(i).reduce((a, b) => a + b, 0);
    view.note(`${header} (pipeline ETA ~${fmt(remaining)})`);
    await prepareDir(dir, key);
    const t0 = performance.now();
    let output: Awaited<ReturnType<PipelineStage['run']>>;
    try {
      output = await stage.run(ctx, dir);
    } finally {
      display.stop();
    }
    const durationS = Math.round((performance.now() - t0) / 100) / 10;
    const done: StageRecord = {
      stage: stage.name,
      version: stage.version,
      key,
      config: stage.config(config),
      inputs,
      packages: output.packages,
      files: output.files ?? {},
      report: output.report,
      ...(output.next !== undefined && { next: { ...output.next } }),
      durationS,
      finishedAt: new Date().toISOString(),
    };
    await writeStageRecord(dir, done);
    await rm(join(dir, PENDING_FILE), { force: true });
    records.set(stage.name, done);
    outcomes.push({ stage: stage.name, reused: false, durationS, record: done });
    estimate[i] = durationS;
    view.note(`  ${stage.name} done in ${fmt(durationS)}`);
  }
  return { runDir, stages: outcomes, wallS: (performance.now() - started) / 1000 };
}
