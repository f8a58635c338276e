/**
 * A recipe of `edgeml optimize`: which student to distil into (or none: the teacher's own
 * architecture), which pruning (or none), which quantisation (or none). A recipe runs as a
 * pipeline of its own (recipeConfig, recipeStages) under `<search>/recipes/<id>/`: the stages it
 * does not use are replaced by pass-through stages, every pass it names is kept (the search, not
 * the gate, judges the whole recipe), and its last stage exports the final model (the package
 * stage is added for the chosen recipe only).
 */
import type { JsonValue } from '@edgeml/core';
import type { PipelineConfig } from '../config/config-schema.js';
import type { GatedPass } from '../config/objective.js';
import type { ModelRef, PipelineStage, StageContext } from '../engine/stage.js';
import type { ObjectiveTarget } from '../gate/target-latency.js';
import { distillStage } from '../stages/distill-stage.js';
import { distillGateStage, pruneGateStage, quantizeGateStage } from '../stages/gate-stage.js';
import { packageStage } from '../stages/package-stage.js';
import { pruneStage } from '../stages/prune-stage.js';
import { quantizeStage } from '../stages/quantize-stage.js';
import { trainStage } from '../stages/train-stage.js';
import type { PruneChoice } from './options.js';
import { searchExportStage } from './search-export-stage.js';

/** One recipe. */
export interface Recipe {
  /** Zoo student distilled from the teacher, or 'none' (the teacher's architecture). */
  readonly student: string;
  readonly prune: PruneChoice | null;
  readonly quantize: 'ptq' | 'qat' | null;
}

/** The teacher itself: no pass. */
export const TEACHER_RECIPE: Recipe = { student: 'none', prune: null, quantize: null };

/** A directory-safe id: `lenet5-structured25-float`, `none-none-ptq`. */
export function recipeId(r: Recipe): string {
  const prune = r.prune === null ? 'none' : `${r.prune.method}${+(r.prune.sparsity * 100).toFixed(2)}`;
  return `${r.student}-${prune}-${r.quantize ?? 'float'}`;
}

/** A readable name: `lenet5 / structured 25% / float32`, `teacher (no pass)`. */
export function recipeLabel(r: Recipe): string {
  if (r.student === 'none' && r.prune === null && r.quantize === null) return 'teacher (no pass)';
  const prune = r.prune === null ? 'no prune' : `${r.prune.method} ${+(r.prune.sparsity * 100).toFixed(2)}%`;
  const quant = r.quantize === null ? 'float32' : `int8 ${r.quantize.toUpperCase()}`;
  return `${r.student === 'none' ? 'teacher arch' : r.student} / ${prune} / ${quant}`;
}

/** Every combination of the choices, the teacher first (it is always tried, and first). */
export function recipeSpace(
  students: readonly string[],
  prunes: readonly (PruneChoice | null)[],
  quantizes: readonly ('ptq' | 'qat' | null)[],
): Recipe[] {
  const out: Recipe[] = [TEACHER_RECIPE];
  for (const student of students)
    for (const prune of prunes)
      for (const quantize of quantizes) {
        const r: Recipe = { student, prune, quantize };
        if (!out.some((o) => recipeId(o) === recipeId(r))) out.push(r);
      }
  return out;
}

/** The package target that serves an objective target. */
export function packageTargetOf(target: ObjectiveTarget): 'worker' | 'web' | 'mobile' {
  if (target === 'tflite') return 'mobile';
  if (target === 'ort-web' || target === 'chromium') return 'web';
  return 'worker';
}

/**
 * The pipeline config of a recipe: the base config (preset and config file) with the recipe's
 * student, pruning and quantisation, the objective on `target` with the gate off (every pass the
 * recipe names is kept; the search judges the result) and judged on size only (no latency timing
 * inside a recipe: the search times the final model against the teacher), the package for the
 * target.
 */
export function recipeConfig(
  base: PipelineConfig,
  recipe: Recipe,
  target: ObjectiveTarget,
  out: string,
): PipelineConfig {
  const c = structuredClone(base) as PipelineConfig;
  c.out = out;
  if (recipe.student !== 'none') c.distill.student = recipe.student as typeof c.distill.student;
  if (recipe.prune !== null) {
    c.prune.method = recipe.prune.method as typeof c.prune.method;
    c.prune.sparsity = recipe.prune.sparsity;
  }
  if (recipe.quantize !== null) c.quantize.method = recipe.quantize as typeof c.quantize.method;
  c.objective = {
    ...c.objective,
    targets: [target] as typeof c.objective.targets,
    weights: [],
    gate: false,
    minimize: 'size',
    forcePasses: [],
  };
  c.package = {
    ...c.package,
    targets: [packageTargetOf(target)] as typeof c.package.targets,
    precision: 'int8',
  };
  return c;
}

/** A pass the recipe does not use: a pass-through stage under the pass's gate name, continuing from `parentOf`. */
function skipStage(pass: GatedPass, parentOf: (ctx: StageContext) => ModelRef): PipelineStage {
  return {
    name: `${pass}-gate`,
    version: 1,
    title: `no ${pass} in this recipe`,
    config: () => ({ skipped: pass }) as JsonValue,
    inputs: async (ctx) => {
      const p = parentOf(ctx);
      return [await ctx.packageInput(p.stage, p.role)];
    },
    run: async (ctx) => ({ packages: {}, next: parentOf(ctx), report: { skipped: pass } }),
  };
}

const SKIPS = {
  distill: skipStage('distill', () => ({ stage: 'train', role: 'teacher' })),
  prune: skipStage('prune', (ctx) => ctx.continueFrom('distill-gate')),
  quantize: skipStage('quantize', (ctx) => ctx.continueFrom('prune-gate')),
};

/** The stages of a recipe's pipeline; `withPackage` adds the package stage (the chosen recipe). */
export function recipeStages(recipe: Recipe, withPackage = false): PipelineStage[] {
  return [
    trainStage,
    ...(recipe.student === 'none' ? [SKIPS.distill] : [distillStage, distillGateStage]),
    ...(recipe.prune === null ? [SKIPS.prune] : [pruneStage, pruneGateStage]),
    ...(recipe.quantize === null ? [SKIPS.quantize] : [quantizeStage, quantizeGateStage]),
    searchExportStage,
    ...(withPackage ? [packageStage] : []),
  ];
}
