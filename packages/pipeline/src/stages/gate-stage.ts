/**
 * A pass's gate as its own stage, right after the pass's stage: the candidate the pass wrote is
 * judged against the package the pass ran on (gatePass), and the stage records which of the two
 * the run continues from (`next`). Being a stage of its own, a gate's key is the objective,
 * `package.runtime`, the two packages and (when a web-family target times compiled modules) the
 * compiler's fingerprint: changing the objective, the runtime the web-family targets ship or the
 * compiler's kernels re-judges the passes without re-running them.
 */
import { join } from 'node:path';
import type { GatedPass } from '../config/objective.js';
import type { ModelRef, PipelineStage, StageContext } from '../engine/stage.js';
import { gateReport } from '../gate/gate-report.js';
import { gatePass, recordedAccuracy } from '../gate/pass-gate.js';
import { isWebTarget, type ObjectiveTarget } from '../gate/target-latency.js';
import { compilerInput } from './compile-final.js';

/** The gate of `pass`: `candidate` (an output of the pass's stage) against `parentOf(ctx)`. */
export function gateStage(
  pass: GatedPass,
  candidate: ModelRef,
  precision: 'float32' | 'int8',
  parentOf: (ctx: StageContext) => ModelRef,
): PipelineStage {
  const stageKeyOf = (ctx: StageContext, stage: string) => {
    const record = ctx.records.get(stage);
    if (record === undefined) throw new Error(`the ${pass} gate needs stage '${stage}'`);
    return { name: `stage:${stage}`, sha256: record.key };
  };
  return {
    name: `${pass}-gate`,
    // 2: reasons say 'speed-up Nx (parent / candidate)'.
    // 3: the web-family targets time the compiled module (package.runtime), the record says which runtime.
    version: 3,
    title: `keep ${pass} only if it pays on the objective`,
    // package.runtime decides what the web-family targets are measured on (the compiled module or
    // onnxruntime-web): changing it re-judges the passes that a web-family target judges.
    config: (c) => ({
      objective: { ...c.objective },
      ...((c.objective.targets as ObjectiveTarget[]).some(isWebTarget) && {
        package: { runtime: c.package.runtime },
      }),
    }),
    inputs: async (ctx) => {
      const parent = parentOf(ctx);
      const c = ctx.config;
      // Web-family targets time the compiled modules: a new compiler re-judges.
      const timesCompiled =
        c.package.runtime !== 'ort-web' && (c.objective.targets as ObjectiveTarget[]).some(isWebTarget);
      return [
        await ctx.packageInput(parent.stage, parent.role),
        await ctx.packageInput(candidate.stage, candidate.role),
        // The accuracies judged come from these stages' records.
        stageKeyOf(ctx, 'train'),
        stageKeyOf(ctx, parent.stage),
        stageKeyOf(ctx, candidate.stage),
        ...(timesCompiled ? [await compilerInput()] : []),
      ];
    },
    async run(ctx, dir) {
      const parent = parentOf(ctx);
      const { decision, next } = await gatePass(ctx, {
        pass,
        parent,
        candidate,
        candidateDir: ctx.packageDir(candidate.stage, candidate.role),
        candidatePrecision: precision,
        candidateAccuracy: recordedAccuracy(ctx, candidate),
        parentAccuracy: recordedAccuracy(ctx, parent),
        workDir: join(dir, 'work'),
      });
      return { packages: {}, next, report: { gate: gateReport(decision, parent) } };
    },
  };
}

/** The gate after distill: the student against the teacher. */
export const distillGateStage = gateStage(
  'distill',
  { stage: 'distill', role: 'student' },
  'float32',
  () => ({
    stage: 'train',
    role: 'teacher',
  }),
);
/** The gate after prune: the pruned model against what prune ran on. */
export const pruneGateStage = gateStage('prune', { stage: 'prune', role: 'pruned' }, 'float32', (ctx) =>
  ctx.continueFrom('distill-gate'),
);
/** The gate after quantize: the int8 model against its float parent. */
export const quantizeGateStage = gateStage('quantize', { stage: 'quantize', role: 'int8' }, 'int8', (ctx) =>
  ctx.continueFrom('prune-gate'),
);
