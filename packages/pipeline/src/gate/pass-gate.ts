/**
 * The pass gate of a pipeline stage: after a pass wrote its candidate package, the candidate is
 * measured against its parent on the objective's targets (file bytes always; inference latency by
 * an interleaved A/B comparison when latency is an objective; several targets count by their
 * weighted geometric mean), judged (judgePass), and the stage
 * continues from the candidate when it pays, from the parent when it does not. The candidate stays
 * in the stage's directory either way, for inspection; the decision goes into the stage record.
 *
 * On the web-family targets (worker, chromium, ort-web) both models are measured on what the
 * package stage would ship: unless `package.runtime` is 'ort-web', each is compiled by
 * @edgeml/compiler and timed as its compiled module (size: the .wasm bytes). When either does not
 * compile, that target measures both on onnxruntime-web (one runtime per A/B comparison), and the
 * decision's `measured` entry and its reasons say why. `measured` records the runtime, files and
 * bytes of every target.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatedPass } from '../config/objective.js';
import type { ModelRef, StageContext } from '../engine/stage.js';
import { type AbResult, compareLatencyWeighted } from './ab-compare.js';
import { type GateDecision, judgePass } from './judge-pass.js';
import {
  type CompileOutcome,
  compileOutcome,
  type GateTargetMeasure,
  type ObjectiveTarget,
  openTimedModel,
  planTiming,
  type TimedModel,
} from './target-latency.js';

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
  const targets = o.targets as ObjectiveTarget[];
  const weights = targets.map((_, i) => o.weights[i] ?? 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  // Several targets: the weighted geometric mean of their files' bytes stands for the size.
  const meanBytes = (bytes: number[]) =>
    Math.round(Math.exp(bytes.reduce((acc, b, i) => acc + (weights[i] ?? 1) * Math.log(b), 0) / totalWeight));
  await mkdir(input.workDir, { recursive: true });
  const packageRuntime = ctx.config.package.runtime;
  const parentDir = ctx.packageDir(input.parent.stage, input.parent.role);
  // Each model is compiled once per gate, whatever the number of web-family targets.
  const compiles = new Map<string, Promise<CompileOutcome>>();
  const compiled = (which: 'parent' | 'candidate') => {
    let outcome = compiles.get(which);
    if (outcome === undefined) {
      const [dir, precision] =
        which === 'parent' ? [parentDir, 'float32' as const] : [input.candidateDir, input.candidatePrecision];
      ctx.note(
        `${input.pass} gate: compiling the ${which} (${precision}) to time it as the package ships it (edgeml-wasm)`,
      );
      outcome = compileOutcome(dir, precision, join(input.workDir, `${which}-compiled`));
      compiles.set(which, outcome);
    }
    return outcome;
  };
  const opened: TimedModel[] = [];
  const measured: GateTargetMeasure[] = [];
  let decision: GateDecision;
  try {
    const pairs: { parent: TimedModel; candidate: TimedModel }[] = [];
    for (const [i, target] of targets.entries()) {
      const { runtime, parentSource, candidateSource, fallback } = await planTiming(
        target,
        packageRuntime,
        { parent: parentDir, candidate: input.candidateDir },
        compiled,
      );
      if (fallback !== undefined) ctx.note(`${input.pass} gate: ${fallback}`);
      const parent = await openTimedModel(
        parentSource,
        target,
        'float32',
        join(input.workDir, `parent-${i}`),
        { runtime },
      );
      opened.push(parent);
      const candidate = await openTimedModel(
        candidateSource,
        target,
        input.candidatePrecision,
        join(input.workDir, `candidate-${i}`),
        { runtime },
      );
      opened.push(candidate);
      pairs.push({ parent, candidate });
      measured.push({
        target,
        runtime,
        parent: { file: parent.file, bytes: parent.bytes },
        candidate: { file: candidate.file, bytes: candidate.bytes },
        ...(fallback !== undefined && { fallback }),
      });
    }
    // The targets and the runtime each was measured on: 'worker (edgeml-wasm)', 'worker (edgeml-wasm)x3 + ort-node (ort-node)x1'.
    const on = measured.map((m) => `${m.target} (${m.runtime})`);
    const label = on.length === 1 ? String(on[0]) : on.map((t, i) => `${t}x${weights[i]}`).join(' + ');
    let latency: AbResult | null = null;
    if (o.minimize !== 'size') {
      ctx.note(`${input.pass} gate: interleaved A/B latency on ${label} (at most ${o.latencyBudgetS}s)`);
      latency = await compareLatencyWeighted(
        pairs.map((p, i) => ({ runA: p.parent.run, runB: p.candidate.run, weight: weights[i] ?? 1 })),
        { budgetMs: o.latencyBudgetS * 1000, confidence: o.confidence },
      );
    }
    const judged = judgePass({
      pass: input.pass,
      target: label,
      minimize: o.minimize as 'both' | 'latency' | 'size',
      maxAccuracyDrop: o.maxAccuracyDrop,
      minSizeGain: o.minSizeGain,
      teacherAccuracy,
      parent: { accuracy: input.parentAccuracy, bytes: meanBytes(pairs.map((p) => p.parent.bytes)) },
      candidate: { accuracy: input.candidateAccuracy, bytes: meanBytes(pairs.map((p) => p.candidate.bytes)) },
      latency,
      forced: (o.forcePasses as readonly string[]).includes(input.pass),
    });
    const runtimes = measured.map(
      (m) => `${m.target} on ${m.runtime} (${m.parent.file} -> ${m.candidate.file})`,
    );
    decision = {
      ...judged,
      measured,
      reasons: [
        ...judged.reasons,
        `measured ${runtimes.join(', ')}`,
        ...measured.flatMap((m) => (m.fallback === undefined ? [] : [m.fallback])),
      ],
    };
  } finally {
    for (const m of opened) await m.dispose();
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
