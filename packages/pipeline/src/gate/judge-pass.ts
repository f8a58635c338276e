/**
 * Whether a pass pays: its candidate model against its parent, on the objective. A candidate is
 * rejected when it loses more accuracy against the teacher than the budget allows, or when it
 * improves nothing it was meant to improve: `latency` needs a speed-up whose confidence interval
 * lies above 1, `size` a file at least `minSizeGain` smaller, `both` one of the two and neither
 * slower beyond the interval nor larger (a Pareto improvement over the parent). A forced pass is
 * kept whatever the verdict, and the decision says so.
 */
import type { AbResult } from './ab-compare.js';
import type { GateTargetMeasure } from './target-latency.js';

/** What is minimised. */
export type Minimize = 'latency' | 'size' | 'both';

/** One model's measures for the decision. */
export interface GateMeasure {
  /** Test accuracy (0..1) on the full test split (or the configured evalImages). */
  readonly accuracy: number;
  /** Bytes of the file the target loads. */
  readonly bytes: number;
}

/** What judgePass needs. */
export interface JudgeInput {
  readonly pass: string;
  readonly target: string;
  readonly minimize: Minimize;
  /** Accuracy budget in points against the teacher. */
  readonly maxAccuracyDrop: number;
  /** Smallest relative size reduction that counts (0.05: 5% smaller). */
  readonly minSizeGain: number;
  readonly teacherAccuracy: number;
  readonly parent: GateMeasure;
  readonly candidate: GateMeasure;
  /** The interleaved A/B comparison (A parent, B candidate); null when latency is not an objective. */
  readonly latency: AbResult | null;
  readonly forced: boolean;
}

/** The gate's decision, as the stage record and the report keep it. */
export interface GateDecision {
  [key: string]: unknown;
  pass: string;
  target: string;
  minimize: Minimize;
  kept: boolean;
  /** Kept only because it was forced (--force-pass / objective.forcePasses). */
  forced: boolean;
  /** Within the accuracy budget and improving what it was meant to improve. */
  pays: boolean;
  /** One sentence per finding, the reasons for a rejection first. */
  reasons: string[];
  accuracyDropPoints: number;
  maxAccuracyDrop: number;
  /** Parent bytes / candidate bytes (above 1: smaller). */
  sizeRatio: number;
  latency: AbResult | null;
  /** What each target was measured on (gatePass adds it; judgePass alone has no runtime). */
  measured?: GateTargetMeasure[];
}

const pts = (v: number) => `${v.toFixed(2)} points`;
const ratio = (v: number) => `${v.toFixed(2)}x`;

/** Decides whether a pass's candidate replaces its parent. */
export function judgePass(input: JudgeInput): GateDecision {
  const { pass, target, minimize, maxAccuracyDrop, minSizeGain, latency } = input;
  const drop = (input.teacherAccuracy - input.candidate.accuracy) * 100;
  const sizeRatio = input.parent.bytes / input.candidate.bytes;
  const smaller = input.candidate.bytes <= input.parent.bytes * (1 - minSizeGain);
  const larger = input.candidate.bytes > input.parent.bytes * (1 + minSizeGain);
  const faster = latency?.verdict === 'faster';
  const slower = latency?.verdict === 'slower';
  const against: string[] = [];
  const for_: string[] = [];
  const withinBudget = drop <= maxAccuracyDrop;
  const accuracyLine = `${pts(drop)} below the teacher (budget ${pts(maxAccuracyDrop)})`;
  if (!withinBudget) against.push(`loses accuracy beyond the budget: ${accuracyLine}`);
  else for_.push(`accuracy within budget: ${accuracyLine}`);
  const sizeLine = `file ${input.parent.bytes} -> ${input.candidate.bytes} bytes (${ratio(sizeRatio)})`;
  const latencyLine =
    latency === null
      ? ''
      : `${target} inference speed-up ${ratio(latency.speedup)} (parent / candidate), ${Math.round(latency.confidence * 100)}% interval [${latency.low.toFixed(2)}, ${latency.high.toFixed(2)}] over ${latency.blocks} interleaved blocks (${latency.verdict})`;
  let improves: boolean;
  if (minimize === 'size') {
    improves = smaller;
    (smaller ? for_ : against).push(
      smaller ? `smaller: ${sizeLine}` : `not smaller by ${Math.round(minSizeGain * 100)}%: ${sizeLine}`,
    );
  } else if (minimize === 'latency') {
    improves = faster;
    (faster ? for_ : against).push(
      faster ? `faster: ${latencyLine}` : `not faster beyond the noise: ${latencyLine}`,
    );
  } else {
    improves = (faster || smaller) && !slower && !larger;
    if (slower) against.push(`slower on the target: ${latencyLine}`);
    if (larger) against.push(`larger: ${sizeLine}`);
    if (!faster && !smaller) against.push(`improves neither latency nor size: ${latencyLine}; ${sizeLine}`);
    if (improves)
      for_.push(
        `${faster ? 'faster' : 'not slower'}: ${latencyLine}`,
        `${smaller ? 'smaller' : 'not larger'}: ${sizeLine}`,
      );
  }
  const pays = withinBudget && improves;
  const kept = pays || input.forced;
  const reasons = pays ? for_ : [...against, ...for_];
  if (!pays && input.forced) reasons.unshift(`kept because it was forced (--force-pass ${pass})`);
  return {
    pass,
    target,
    minimize,
    kept,
    forced: input.forced && !pays,
    pays,
    reasons,
    accuracyDropPoints: drop,
    maxAccuracyDrop,
    sizeRatio,
    latency,
  };
}
