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
import { type BackendRequest, type Dataset, loadDataset, selectBackend } from '@edgeml/trainer';
import type { PipelineConfig } from './config-schema.js';
import type { PipelineStage, StageContext } from './stage.js';
import {
  manifestSha256,
  outputsVerify,
  readStageRecord,
  type StageRecord,
  stageKey,
  writeStageRecord,
} from './stage-record.js';
import { PIPELINE_STAGES } from './stages/index.js';

const PENDING_FILE = 'stage.pending.json';
/** Rough seconds per stage on 2 CPU cores, for the ETA before a first run has timed them. */
const DEFAULT_SECONDS: Readonly<Record<string, number>> = {
  train: 300,
  distill: 240,
  prune: 90,
  quantize: 30,
  export: 20,
  package: 15,
  bench: 90,
  report: 1,
};

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
  let backend: string | undefined;
  let dataset: Promise<Dataset> | undefined;
  const records = new Map<string, StageRecord>();
  const reused = new Set<string>();
  const outcomes: StageOutcome[] = [];
  const previous = await Promise.all(stages.map((s) => readStageRecord(join(runDir, s.name))));
  const estimate = stages.map((s, i) => previous[i]?.durationS ?? DEFAULT_SECONDS[s.name] ?? 30);

  const packageDir = (stage: string, role: string) => {
    const rel = records.get(stage)?.packages[role];
    if (rel === undefined) throw new Error(`stage '${stage}' has no output package '${role}'`);
    return join(runDir, stage, rel);
  };
  const base = {
    config,
    runDir,
    records,
    reused,
    packageDir,
    packageInput: async (stage: string, role: string) => ({
      name: `${stage}/${role}`,
      sha256: await manifestSha256(packageDir(stage, role)),
    }),
    dataset: () => {
      dataset ??= loadDataset({
        name: config.dataset.name,
        ...(config.dataset.dir !== null && { dir: config.dataset.dir }),
        ...(config.dataset.validationSize !== null && { validationSize: config.dataset.validationSize }),
        seed: config.seed,
      });
      return dataset;
    },
    note: (line: string) => view.note(`  ${line}`),
  };

  for (const [i, stage] of stages.entries()) {
    const dir = join(runDir, stage.name);
    const display = view.progress();
    const ctx: StageContext = { ...base, backend: backend ?? 'unselected', onProgress: display.onProgress };
    const inputs = await stage.inputs(ctx);
    const key = await stageKey(stage.name, stage.version, stage.config(config), inputs);
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
    if (backend === undefined && ['train', 'distill', 'prune'].includes(stage.name)) {
      const selected = await selectBackend(
        config.backend as BackendRequest,
        config.threads === null ? {} : { threads: config.threads },
      );
      backend = selected.name;
      view.note(`  backend: ${selected.name} (${selected.detail})`);
    }
    await prepareDir(dir, key);
    const t0 = performance.now();
    let output: Awaited<ReturnType<PipelineStage['run']>>;
    try {
      output = await stage.run({ ...ctx, backend: backend ?? 'unselected' }, dir);
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
