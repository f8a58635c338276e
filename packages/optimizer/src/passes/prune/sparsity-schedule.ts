/**
 * The polynomial-decay sparsity schedule of TF Model Optimization's `PolynomialDecay`: sparsity
 * rises from `initialSparsity` at `beginStep` to `finalSparsity` at `endStep` as
 * `s_f + (s_i - s_f) * (1 - (t - t0) / (t1 - t0))^power`, and masks are recomputed every
 * `frequency` steps in between (and at `endStep`).
 */

/** Parameters of the schedule (steps are optimizer steps, 0-based). */
export interface PolynomialDecaySchedule {
  readonly initialSparsity: number;
  readonly finalSparsity: number;
  readonly beginStep: number;
  readonly endStep: number;
  /** @default 3 */
  readonly power: number;
  /** Recompute masks every this many steps. */
  readonly frequency: number;
}

/** Target sparsity at step `t`. */
export function sparsityAt(s: PolynomialDecaySchedule, t: number): number {
  if (t <= s.beginStep) return s.initialSparsity;
  if (t >= s.endStep) return s.finalSparsity;
  const progress = (t - s.beginStep) / (s.endStep - s.beginStep);
  return s.finalSparsity + (s.initialSparsity - s.finalSparsity) * (1 - progress) ** s.power;
}

/** True when masks are recomputed at step `t`. */
export function isPruningStep(s: PolynomialDecaySchedule, t: number): boolean {
  if (t < s.beginStep || t > s.endStep) return false;
  return t === s.endStep || (t - s.beginStep) % s.frequency === 0;
}
