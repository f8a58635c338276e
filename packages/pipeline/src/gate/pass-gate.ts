/**
 * The pass gate of a pipeline stage: after a pass wrote its candidate package, the candidate is
 * measured against its parent on the objective's target (file bytes always; inference latency by
 * an interleaved A/B comparison when latency is an objective), judged (judgePass), and the stage
 * continues from the candidate when it pays, from the parent when it does not. The candidate stays
 * in the stage's directory either way, for inspection; the decision goes into the stage record.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatedPass } from '../config/objective.js';
import type { ModelRef, StageContext } from '../engine/stage.js';
import { type AbResult, compareLatency } from './ab-compare.js';
import { type GateDecision, judgePass } from './judge-pass.js';
import { openTimedModel } from './target-latency.js';

/** The two models a gate compares. */
export interface GateInput {
  readonly pass: GatedPass;
  /** The package the pass ran on. */
  readonly parent: ModelRef;
  /** The candidate, an output of the current stage. */
  readonly candidate: ModelRef;
  /** Absolute directory of the candidate package. */
  readonly candidateDir: string;
  readonly candidatePrecision: 'float32' | 'int8';
  /** Test accuracy (0..1) of the candidate and of the parent, as their stages measured it. */
  readonly candidateAccuracy: number;
  readonly parentAccuracy: number;
  /** Scratch directory (exports for the runtime); removed afterwards. */
  readonly workDir: string;
}

/** Test accuracy (0..1) of a package the pipeline made, from its stage record. */
export function recordedAccuracy(ctx: StageContext, ref: ModelRef): number {
  const report = ctx.records.get(ref.stage)?.report;
  const value = report?.accuracy;
  if (typeof value !== 'number')
    throw new Error(`stage '${ref.stage}' recorded no accuracy for '${ref.role}'`);
  return value;
}

/** Measures and judges a pass; returns the decision and the package the run continues from. */
export async function gatePass(
  ctx: StageContext,
  input: GateInput,
): Promise<{ decision: GateDecision; next: ModelRef }> {
  const o = ctx.config.objective;
  const teacherAccuracy = recordedAccuracy(ctx, { stage: 'train', role: 'teacher' });
  await mkdir(input.workDir, { recursive: true });
  const parent = await openTimedModel(
    ctx.packageDir(input.parent.stage, input.parent.role),
    o.target,
    'float32',
    join(input.workDir, 'parent'),
  );
  let decision: GateDecision;
  try {
    const candidate = await openTimedModel(
      input.candidateDir,
      o.target,
      input.candidatePrecision,
      join(input.workDir, 'candidate'),
    );
    try {
      let latency: AbResult | null = null;
      if (o.minimize !== 'size') {
        ctx.note(`${input.pass} gate: interleaved A/B latency on ${o.target} (at most ${o.latencyBudgetS}s)`);
        latency = await compareLatency(parent.run, candidate.run, {
          budgetMs: o.latencyBudgetS * 1000,
          confidence: o.confidence,
        });
      }
      decision = judgePass({
        pass: input.pass,
        target: o.target,
        minimize: o.minimize as 'both' | 'latency' | 'size',
        maxAccuracyDrop: o.maxAccuracyDrop,
        minSizeGain: o.minSizeGain,
        teacherAccuracy,
        parent: { accuracy: input.parentAccuracy, bytes: parent.bytes },
        candidate: { accuracy: input.candidateAccuracy, bytes: candidate.bytes },
        latency,
        forced: (o.forcePasses as readonly string[]).includes(input.pass),
      });
    } finally {
      await candidate.dispose();
    }
  } finally {
    await parent.dispose();
    await rm(input.workDir, { recursive: true, force: true });
  }
  if (!o.gate && !decision.kept) {
    decision = {
      ...decision,
      kept: true,
      reasons: ['kept: the gate is off (objective.gate false)', ...decision.reasons],
    };
  }
  const verdict = decision.kept ? (decision.pays ? 'kept (pays)' : 'kept anyway') : 'REJECTED';
  ctx.note(`${input.pass} gate: ${verdict}: ${decision.reasons.join('; ')}`);
  if (!decision.kept)
    ctx.note(
      `${input.pass} gate: continuing from ${input.parent.stage}/${input.parent.role}; the candidate stays in ${input.candidateDir}`,
    );
  return { decision, next: decision.kept ? input.candidate : input.parent };
}
