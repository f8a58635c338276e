/**
 * `edgeml optimize`: a recipe search. The teacher is trained (or reused) once, then recipes
 * (student, pruning, quantisation) run, each as a pipeline of its own under
 * `<out>/recipes/<id>/`, within a wall-clock budget. Every stage of a recipe whose key is already
 * finished somewhere (an earlier recipe, an earlier search, or a `reuse` run directory) is copied
 * (hard links) into the recipe's directory before it runs, so the pipeline's stage cache makes
 * shared prefixes free: the teacher trains once, a student is distilled once for all its pruning
 * and quantisation choices. The keys are predicted exactly as the runner computes them (the
 * stages' own inputs and stageKey), from the finished records.
 *
 * Each tried recipe becomes a point: its final model's test accuracy (as its stage measured it,
 * on the full test split unless `evalImages` is set), the bytes of the file the target loads, and
 * its speed-up against the teacher on the target by the gates' interleaved A/B comparison of
 * inference-only latency (compareLatencyWeighted), on the runtime the package would ship there
 * (planTiming, as the gates: worker / ort-web / chromium on the module @edgeml/compiler compiles
 * unless `package.runtime` is 'ort-web', onnxruntime-web wasm when it does not compile; in-process
 * in Node). The front and the choice are front.ts's; the chosen recipe is run once more
 * with the package stage (its other stages reused) and packaged for the target.
 *
 * Budget: the next recipe is the one with the smallest estimate (so shared prefixes go first);
 * when it no longer fits in the budget left, no recipe starts any more (a recipe in flight
 * finishes). Estimates are the pipeline's (estimateStageSeconds, zero for a stage already
 * finished), scaled by how the stages this search ran compared with their estimates.
 */
import { copyFile, link, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { JsonObject, JsonValue } from '@edgeml/core';
import { writeFileAtomic, writeJsonAtomic } from '@edgeml/core/node';
import {
  type BackendRequest,
  buildModel,
  type Dataset,
  describeModel,
  type LoadDatasetOptions,
  loadDataset,
  selectBackend,
  type ZooModelName,
} from '@edgeml/trainer';
import type { PipelineConfig } from '../config/config-schema.js';
import { estimateStageSeconds, type PipelineView, runPipeline } from '../engine/run-pipeline.js';
import type { ModelRef, PipelineStage, StageContext } from '../engine/stage.js';
import { manifestSha256, readStageRecord, type StageRecord, stageKey } from '../engine/stage-record.js';
import { type AbResult, compareLatencyWeighted, type TimedRun } from '../gate/ab-compare.js';
import type { Minimize } from '../gate/judge-pass.js';
import {
  type CompileOutcome,
  compileOutcome,
  type GateRuntime,
  isWebTarget,
  type ObjectiveTarget,
  openTimedModel,
  planTiming,
} from '../gate/target-latency.js';
import { compilerInput } from '../stages/compile-final.js';
import { choosePoint, searchFront } from './front.js';
import {
  packageTargetOf,
  type Recipe,
  recipeConfig,
  recipeId,
  recipeLabel,
  recipeStages,
  TEACHER_RECIPE,
} from './recipe.js';
import { renderSearchHtml, renderSearchMarkdown } from './render-search.js';

/** What runSearch needs. */
export interface SearchOptions {
  /** The base config (preset + config file); its `out` is the search directory. */
  readonly base: PipelineConfig;
  /** Recipes to try (the teacher is added first when missing). */
  readonly recipes: readonly Recipe[];
  readonly target: ObjectiveTarget;
  /** Accuracy budget in points against the teacher. */
  readonly maxDrop: number;
  /** Wall-clock budget in seconds. */
  readonly budgetS: number;
  /** Earlier pipeline run directories whose finished stages may be reused. */
  readonly reuse?: readonly string[];
  /**
   * Replaces a model's timed run in the A/B comparison (tests inject latencies so that no decision
   * depends on timing luck); receives the real run.
   */
  readonly timedRun?: (recipe: Recipe, model: 'teacher' | 'candidate', real: TimedRun) => TimedRun;
}

/** One tried recipe. */
export interface SearchPoint {
  [key: string]: JsonValue;
  id: string;
  label: string;
  recipe: JsonObject;
  /** Test accuracy 0..1 of the final model, as its stage measured it. */
  accuracy: number;
  testImages: number | null;
  dropPoints: number;
  withinBudget: boolean;
  precision: 'float32' | 'int8';
  /** The file the target loads and its bytes. */
  file: string;
  bytes: number;
  /** The runtime the target was timed on (web-family targets: the compiled module unless package.runtime is 'ort-web'). */
  runtime: GateRuntime;
  /** Why a web-family target was timed on onnxruntime-web although package.runtime ships the compiled module (null: it was not). */
  fallback: string | null;
  /** Teacher latency / this model's latency on the target, its interval and verdict (the teacher: 1). */
  speedup: number;
  low: number;
  high: number;
  verdict: string;
  blocks: number;
  /** Median inference-only ms of this model and of the teacher in its comparison (null: the teacher's own point). */
  latencyMs: number | null;
  teacherLatencyMs: number | null;
  front: boolean;
  chosen: boolean;
  runDir: string;
  /** Seconds this search spent on it (stages run + measurement), and its estimate before it started. */
  durationS: number;
  estimateS: number;
  reusedStages: string[];
  ranStages: string[];
}

/** A recipe that did not run. */
export interface SearchSkipped {
  [key: string]: JsonValue;
  id: string;
  label: string;
  reason: string;
  estimateS: number | null;
}

/** What the search found (also <out>/search.json). */
export interface SearchReport {
  [key: string]: JsonValue;
  target: string;
  minimize: Minimize;
  maxDrop: number;
  budgetS: number;
  wallS: number;
  teacherAccuracy: number;
  /** The choice rule, in words. */
  rule: string;
  points: SearchPoint[];
  /** Ids of the front's points (fastest first; size: smallest first). */
  front: string[];
  chosen: { id: string; label: string; packageDir: string; modelDir: string } | null;
  skipped: SearchSkipped[];
  failed: SearchSkipped[];
}

/** The result of runSearch. */
export interface SearchResult {
  readonly outDir: string;
  readonly report: SearchReport;
}

export const CHOICE_RULE: Readonly<Record<Minimize, string>> = {
  both: "among the front points within the accuracy budget: the fastest on the target, or, among those whose speed-up interval reaches the fastest one's lower bound (not measurably slower), the smallest file",
  latency:
    'among the front points within the accuracy budget: the highest speed-up on the target (ties: the smaller file)',
  size: 'among the front points within the accuracy budget: the smallest file the target loads (ties: the faster)',
};

const fmt = (s: number) =>
  s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;

/** A finished stage somewhere on disk. */
interface Finished {
  readonly runDir: string;
  readonly record: StageRecord;
}

/** Every finished stage record under `runDirs`, by key. */
async function indexRecords(runDirs: readonly string[]): Promise<Map<string, Finished>> {
  const index = new Map<string, Finished>();
  for (const runDir of runDirs) {
    const entries = await readdir(runDir).catch(() => [] as string[]);
    for (const stage of entries) {
      const record = await readStageRecord(join(runDir, stage));
      if (record !== null && record.stage === stage && !index.has(record.key))
        index.set(record.key, { runDir, record });
    }
  }
  return index;
}

/**
 * The runner's keys for `stages`, predicted from finished records: the stages whose key is
 * finished somewhere (in order, until the first that is not), and the names of the rest.
 */
async function predict(
  config: PipelineConfig,
  stages: readonly PipelineStage[],
  backend: string,
  index: ReadonlyMap<string, Finished>,
  data: () => Promise<Dataset>,
  datasetOptions: LoadDatasetOptions,
): Promise<{ hits: { stage: string; from: Finished }[]; missing: string[] }> {
  const records = new Map<string, StageRecord>();
  const dirs = new Map<string, string>();
  const packageDir = (stage: string, role: string) => {
    const rel = records.get(stage)?.packages[role];
    const dir = dirs.get(stage);
    if (rel === undefined || dir === undefined) throw new Error(`no package ${stage}/${role}`);
    return join(dir, stage, rel);
  };
  const ctx = {
    config,
    runDir: resolve(config.out),
    backend,
    dataset: data,
    datasetOptions,
    records,
    reused: new Set<string>(),
    packageDir,
    packageInput: async (stage: string, role: string) => ({
      name: `${stage}/${role}`,
      sha256: await manifestSha256(packageDir(stage, role)),
    }),
    continueFrom: (stage: string): ModelRef => {
      const record = records.get(stage);
      if (record === undefined) throw new Error(`stage '${stage}' has not run`);
      if (record.next !== undefined) return { stage: record.next.stage, role: record.next.role };
      return { stage, role: Object.keys(record.packages)[0] as string };
    },
    onProgress: () => {},
    note: () => {},
  } satisfies StageContext;
  const hits: { stage: string; from: Finished }[] = [];
  for (const [i, stage] of stages.entries()) {
    let found: Finished | undefined;
    try {
      const inputs = await stage.inputs(ctx);
      const key = await stageKey(
        stage.name,
        stage.version,
        { config: stage.config(config), backend },
        inputs,
      );
      found = index.get(key);
    } catch {
      found = undefined;
    }
    if (found === undefined) return { hits, missing: stages.slice(i).map((s) => s.name) };
    records.set(stage.name, found.record);
    dirs.set(stage.name, found.runDir);
    hits.push({ stage: stage.name, from: found });
  }
  return { hits, missing: [] };
}

/** Copies `from` into `to` by hard links (a copy where linking fails), leaving out checkpoints. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.name === 'checkpoints' || entry.name === 'stage.pending.json') continue;
    const a = join(from, entry.name);
    const b = join(to, entry.name);
    if (entry.isDirectory()) await linkTree(a, b);
    else if (entry.isFile()) await link(a, b).catch(() => copyFile(a, b));
  }
}

/** The options runPipeline loads the data set with (the same as its own). */
function datasetOptionsOf(config: PipelineConfig): LoadDatasetOptions {
  return {
    name: config.dataset.name,
    ...(config.dataset.dir !== null && { dir: config.dataset.dir }),
    ...(config.dataset.validationSize !== null && { validationSize: config.dataset.validationSize }),
    ...(config.dataset.imageSize !== null && { imageSize: config.dataset.imageSize }),
    ...(config.dataset.fit !== 'stretch' && { fit: config.dataset.fit }),
    seed: config.seed,
  };
}

/** The A/B comparison of the final model against the teacher, or the cached one. */
interface Measured {
  readonly precision: 'float32' | 'int8';
  readonly file: string;
  readonly bytes: number;
  readonly runtime: GateRuntime;
  readonly fallback?: string;
  readonly latency: AbResult | null;
}

/** Runs the search; writes `<out>/search.json`, `search.md`, `search.html`. */
export async function runSearch(options: SearchOptions, view: PipelineView): Promise<SearchResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const { base, target, maxDrop, budgetS } = options;
  const outDir = resolve(base.out);
  const recipesDir = join(outDir, 'recipes');
  await mkdir(recipesDir, { recursive: true });
  const minimize = base.objective.minimize as Minimize;
  const recipes = [
    TEACHER_RECIPE,
    ...options.recipes.filter((r) => recipeId(r) !== recipeId(TEACHER_RECIPE)),
  ];

  const selected = await selectBackend(
    base.backend as BackendRequest,
    base.threads === null ? {} : { threads: base.threads },
  );
  const backend = selected.name;
  const datasetOptions = datasetOptionsOf(base);
  let dataset: Promise<Dataset> | undefined;
  const data = () => {
    dataset ??= loadDataset(datasetOptions);
    return dataset;
  };
  const d = await data();
  const sizes = { train: d.split('train').size, test: d.split('test').size };
  const macsCache = new Map<string, number>();
  const macs = (name: string) => {
    let m = macsCache.get(name);
    if (m === undefined) {
      const model = buildModel(name as ZooModelName, {
        inputShape: d.info.inputShape,
        numClasses: d.info.classNames.length,
      });
      m = describeModel(model).macs;
      model.dispose();
      macsCache.set(name, m);
    }
    return m;
  };
  const sources = async () => {
    const dirs = (await readdir(recipesDir).catch(() => [] as string[])).map((r) => join(recipesDir, r));
    return indexRecords([...dirs, ...(options.reuse ?? []).map((r) => resolve(r))]);
  };
  // Measured / estimated seconds of the stages this search ran: scales the next estimates.
  let ranS = 0;
  let estimatedS = 0;
  const scale = () => (estimatedS > 0 ? Math.min(10, Math.max(0.5, ranS / estimatedS)) : 1);
  const measureS = 5 + (minimize === 'size' ? 0 : Math.min(15, base.objective.latencyBudgetS));

  const plan = async (recipe: Recipe, index: ReadonlyMap<string, Finished>, withPackage = false) => {
    const dir = join(recipesDir, recipeId(recipe));
    const config = recipeConfig(base, recipe, target, dir);
    const stages = recipeStages(recipe, withPackage);
    const { hits, missing } = await predict(config, stages, backend, index, data, datasetOptions);
    const costs = {
      teacherMacs: macs(config.teacher.model),
      studentMacs: macs(recipe.student === 'none' ? config.teacher.model : config.distill.student),
      threads: selected.threads ?? 1,
    };
    const raw = missing.reduce((acc, s) => acc + estimateStageSeconds(s, config, sizes, costs), 0);
    const cachedPoint = await readCachedPoint(dir, hits, target, base);
    return {
      dir,
      config,
      stages,
      hits,
      missing,
      raw,
      estimateS: raw * scale() + (cachedPoint ? 0 : measureS),
    };
  };

  const points: SearchPoint[] = [];
  const skipped: SearchSkipped[] = [];
  const failed: SearchSkipped[] = [];
  let teacherAccuracy = Number.NaN;
  const frontLine = () => {
    const front = searchFront(points, minimize);
    return front
      .map((id) => {
        const p = points.find((x) => x.id === id) as SearchPoint;
        return `${p.label} (${(p.accuracy * 100).toFixed(2)}%, ${p.speedup.toFixed(2)}x, ${p.bytes} B)`;
      })
      .join(' | ');
  };

  const runRecipe = async (recipe: Recipe, planned: Awaited<ReturnType<typeof plan>>) => {
    const t0 = performance.now();
    const { dir, config, stages, hits } = planned;
    // Seed the recipe's directory with the stages finished elsewhere (hard links).
    for (const { stage, from } of hits) {
      if (resolve(from.runDir) === resolve(dir)) continue;
      await rm(join(dir, stage), { recursive: true, force: true });
      await linkTree(join(from.runDir, stage), join(dir, stage));
    }
    const result = await runPipeline(
      config,
      { note: (l) => view.note(`  ${l}`), progress: view.progress },
      stages,
    );
    const ran = result.stages.filter((s) => !s.reused);
    const ranNow = ran.reduce((a, s) => a + s.durationS, 0);
    if (ran.length > 0) {
      ranS += ranNow;
      estimatedS += planned.raw;
    }
    const records = new Map(result.stages.map((s) => [s.stage, s.record]));
    const train = records.get('train') as StageRecord;
    teacherAccuracy = Number(train.report.accuracy);
    const exported = records.get('export') as StageRecord;
    const finalRef = String(exported.report.final).split('/') as [string, string];
    const finalRecord = records.get(finalRef[0]) as StageRecord;
    const accuracy = Number(finalRecord.report.accuracy);
    const testImages =
      typeof finalRecord.report.testImages === 'number'
        ? finalRecord.report.testImages
        : typeof finalRecord.report.evalImages === 'number'
          ? finalRecord.report.evalImages
          : null;
    const measured = await measure(recipe, dir, exported, Boolean(exported.report.int8));
    const drop = (teacherAccuracy - accuracy) * 100;
    const l = measured.latency;
    const point: SearchPoint = {
      id: recipeId(recipe),
      label: recipeLabel(recipe),
      recipe: {
        student: recipe.student,
        prune: recipe.prune === null ? null : { ...recipe.prune },
        quantize: recipe.quantize,
      },
      accuracy,
      testImages,
      dropPoints: drop,
      withinBudget: drop <= maxDrop + 1e-9,
      precision: measured.precision,
      file: measured.file,
      bytes: measured.bytes,
      runtime: measured.runtime,
      fallback: measured.fallback ?? null,
      speedup: l?.speedup ?? 1,
      low: l?.low ?? 1,
      high: l?.high ?? 1,
      verdict: l?.verdict ?? 'reference',
      blocks: l?.blocks ?? 0,
      latencyMs: l?.medianBMs ?? null,
      teacherLatencyMs: l?.medianAMs ?? null,
      front: false,
      chosen: false,
      runDir: dir,
      durationS: Math.round((performance.now() - t0) / 100) / 10,
      estimateS: Math.round(planned.estimateS * 10) / 10,
      reusedStages: result.stages.filter((s) => s.reused).map((s) => s.stage),
      ranStages: ran.map((s) => s.stage),
    };
    points.push(point);
    view.note(
      `  ${point.label}: accuracy ${(accuracy * 100).toFixed(2)}% (${Math.abs(drop) < 0.005 ? 'as the teacher' : `${drop > 0 ? '-' : '+'}${Math.abs(drop).toFixed(2)} points`}), ${point.precision} ${point.file} ${point.bytes} B, ${target} (${point.runtime}) speed-up ${point.speedup.toFixed(2)}x [${point.low.toFixed(2)}, ${point.high.toFixed(2)}] (${point.verdict}); ${fmt(point.durationS)}`,
    );
    view.note(`  front so far: ${frontLine()}`);
  };

  // The teacher's compiled module, once per teacher package for the whole search (every recipe
  // times against the same teacher; its package is hard-linked into each recipe's directory).
  const teacherCompiles = new Map<string, Promise<CompileOutcome>>();
  const compiledTeacher = async (teacherDir: string): Promise<CompileOutcome> => {
    const sha = await manifestSha256(teacherDir);
    let outcome = teacherCompiles.get(sha);
    if (outcome === undefined) {
      outcome = compileOutcome(teacherDir, 'float32', join(outDir, 'search-compiled', sha.slice(0, 16)));
      teacherCompiles.set(sha, outcome);
    }
    return outcome;
  };

  const measure = async (
    recipe: Recipe,
    dir: string,
    exported: StageRecord,
    int8: boolean,
  ): Promise<Measured> => {
    const cacheFile = join(dir, 'point.json');
    const cacheKey = await pointKey(exported.key, target, base, options.timedRun !== undefined);
    if (options.timedRun === undefined) {
      const cached = await readFile(cacheFile, 'utf8')
        .then((t) => JSON.parse(t) as { key: unknown; measured: Measured })
        .catch(() => null);
      if (cached !== null && JSON.stringify(cached.key) === JSON.stringify(cacheKey)) {
        view.note(`  measurement reused (${cacheFile})`);
        return cached.measured;
      }
    }
    const precision = int8 ? 'int8' : 'float32';
    const work = join(dir, 'search-work');
    await mkdir(work, { recursive: true });
    const isTeacher = recipeId(recipe) === recipeId(TEACHER_RECIPE);
    const teacherDir = join(dir, 'train', 'teacher');
    const candidateDir = join(dir, 'export', 'final');
    // Timed as the package would ship it on the target (the gates' rule): on a web-family target the
    // compiled module unless package.runtime is 'ort-web'. The teacher's own point compiles once.
    let candidateCompile: Promise<CompileOutcome> | undefined;
    const compile = (which: 'parent' | 'candidate') => {
      if (which === 'parent' && !isTeacher) return compiledTeacher(teacherDir);
      candidateCompile ??= compileOutcome(candidateDir, precision, join(work, 'candidate-compiled'));
      return candidateCompile;
    };
    const opened = [];
    try {
      const timing = await planTiming(
        target,
        base.package.runtime,
        { parent: teacherDir, candidate: candidateDir },
        compile,
      );
      if (timing.fallback !== undefined) view.note(`  ${timing.fallback}`);
      const { runtime } = timing;
      const candidate = await openTimedModel(
        timing.candidateSource,
        target,
        precision,
        join(work, 'candidate'),
        { runtime },
      );
      opened.push(candidate);
      let latency: AbResult | null = null;
      if (!isTeacher && minimize !== 'size') {
        const teacher = await openTimedModel(timing.parentSource, target, 'float32', join(work, 'teacher'), {
          runtime,
        });
        opened.push(teacher);
        const wrap = (model: 'teacher' | 'candidate', run: TimedRun) =>
          options.timedRun === undefined ? run : options.timedRun(recipe, model, run);
        view.note(
          `  interleaved A/B latency against the teacher on ${target} (${runtime}, at most ${base.objective.latencyBudgetS}s)`,
        );
        latency = await compareLatencyWeighted(
          [{ runA: wrap('teacher', teacher.run), runB: wrap('candidate', candidate.run), weight: 1 }],
          { budgetMs: base.objective.latencyBudgetS * 1000, confidence: base.objective.confidence },
        );
      }
      const measured: Measured = {
        precision,
        file: candidate.file,
        bytes: candidate.bytes,
        runtime,
        ...(timing.fallback !== undefined && { fallback: timing.fallback }),
        latency,
      };
      await writeJsonAtomic(cacheFile, JSON.parse(JSON.stringify({ key: cacheKey, measured })) as JsonValue);
      return measured;
    } finally {
      for (const m of opened) await m.dispose();
      await rm(work, { recursive: true, force: true });
    }
  };

  // The teacher first, whatever the budget: every recipe needs it.
  const queue = [...recipes];
  let tried = 0;
  while (queue.length > 0) {
    const index = await sources();
    const planned = await Promise.all(queue.map((r) => plan(r, index)));
    let pick = 0;
    if (tried > 0)
      for (const [i, p] of planned.entries())
        if (p.estimateS < (planned[pick] as typeof p).estimateS) pick = i;
    const recipe = queue[pick] as Recipe;
    const p = planned[pick] as (typeof planned)[number];
    const left = budgetS - elapsed();
    if (tried > 0 && p.estimateS > left) {
      for (const [i, r] of queue.entries())
        skipped.push({
          id: recipeId(r),
          label: recipeLabel(r),
          reason: `not started: estimate ${fmt((planned[i] as typeof p).estimateS)} > ${fmt(Math.max(0, left))} of budget left`,
          estimateS: Math.round((planned[i] as typeof p).estimateS),
        });
      view.note(
        `budget: ${queue.length} recipe(s) not started (the cheapest, ${recipeLabel(recipe)}, needs ~${fmt(p.estimateS)}; ${fmt(Math.max(0, left))} left)`,
      );
      break;
    }
    queue.splice(pick, 1);
    tried++;
    const rest = planned.reduce((a, x) => a + x.estimateS, 0);
    const cached =
      p.missing.length === 0 ? 'every stage finished already' : `to run: ${p.missing.join(', ')}`;
    view.note(
      `[recipe ${tried}/${recipes.length}] ${recipeLabel(recipe)} (~${fmt(p.estimateS)}; ${cached}) | elapsed ${fmt(elapsed())} of ${fmt(budgetS)}, search ETA ~${fmt(Math.min(Math.max(0, left), rest))}`,
    );
    try {
      await runRecipe(recipe, p);
    } catch (error) {
      if (tried === 1) throw error;
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      failed.push({
        id: recipeId(recipe),
        label: recipeLabel(recipe),
        reason: message,
        estimateS: Math.round(p.estimateS),
      });
      view.note(`  ${recipeLabel(recipe)} FAILED: ${message}`);
    }
  }

  const front = searchFront(points, minimize);
  const chosenId = choosePoint(points, minimize, maxDrop);
  for (const p of points) {
    p.front = front.includes(p.id);
    p.chosen = p.id === chosenId;
  }
  await rm(join(outDir, 'search-compiled'), { recursive: true, force: true });
  let chosen: SearchReport['chosen'] = null;
  const chosenPoint = points.find((p) => p.chosen);
  if (chosenPoint !== undefined) {
    const recipe = recipes.find((r) => recipeId(r) === chosenPoint.id) as Recipe;
    view.note(`chosen: ${chosenPoint.label}; packaging it for ${target} (its other stages are reused)`);
    const planned = await plan(recipe, await sources(), true);
    await runPipeline(
      planned.config,
      { note: (l) => view.note(`  ${l}`), progress: view.progress },
      planned.stages,
    );
    const packageDir = join(planned.dir, 'package', packageTargetOf(target));
    const modelDir = packageTargetOf(target) === 'worker' ? join(packageDir, 'src', 'model') : packageDir;
    chosen = { id: chosenPoint.id, label: chosenPoint.label, packageDir, modelDir };
  }
  const report: SearchReport = {
    target,
    minimize,
    maxDrop,
    budgetS,
    wallS: Math.round(elapsed() * 10) / 10,
    teacherAccuracy,
    rule: CHOICE_RULE[minimize],
    points,
    front,
    chosen,
    skipped,
    failed,
  };
  await writeJsonAtomic(join(outDir, 'search.json'), report);
  await writeFileAtomic(join(outDir, 'search.md'), renderSearchMarkdown(report));
  await writeFileAtomic(join(outDir, 'search.html'), await renderSearchHtml(report));
  return { outDir, report };
}

/** Whether the recipe's measurement can be reused (its export stage is finished and point.json matches). */
async function readCachedPoint(
  dir: string,
  hits: readonly { stage: string; from: Finished }[],
  target: ObjectiveTarget,
  base: PipelineConfig,
): Promise<boolean> {
  const exported = hits.find((h) => h.stage === 'export');
  if (exported === undefined || resolve(exported.from.runDir) !== resolve(dir)) return false;
  const cached = await readFile(join(dir, 'point.json'), 'utf8')
    .then((t) => JSON.parse(t) as { key: unknown })
    .catch(() => null);
  const key = await pointKey(exported.from.record.key, target, base, false);
  return cached !== null && JSON.stringify(cached.key) === JSON.stringify(key);
}

/** The key of a recipe's measurement (point.json): what it was timed on and against. */
async function pointKey(
  exportKey: string,
  target: ObjectiveTarget,
  base: PipelineConfig,
  injected: boolean,
): Promise<JsonObject> {
  const timesCompiled = base.package.runtime !== 'ort-web' && isWebTarget(target);
  return {
    export: exportKey,
    target,
    packageRuntime: base.package.runtime,
    // Compiled modules are timed: new kernels re-measure.
    ...(timesCompiled && { compiler: (await compilerInput()).sha256 }),
    objective: { ...base.objective },
    injected,
  };
}
