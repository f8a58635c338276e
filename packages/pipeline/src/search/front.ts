/**
 * The search's Pareto front and its choice. Every tried recipe is a point: accuracy (higher is
 * better), speed-up on the target against the teacher (higher is better) and the bytes of the
 * file the target loads (lower is better). The front is the set of points no other point
 * dominates on what the objective minimises: both (accuracy, speed-up, size), latency (accuracy,
 * speed-up) or size (accuracy, size).
 *
 * The choice: among the front's points within the accuracy budget (at most `maxDrop` points below
 * the teacher; the teacher itself always is, so there is always a choice):
 * - latency: the highest speed-up (ties: the smaller file, then the more accurate);
 * - size: the smallest file (ties: the higher speed-up, then the more accurate);
 * - both: the fastest, unless others are not measurably slower than it (their speed-up interval
 *   reaches the fastest's lower bound): then the smallest file among those (ties: the faster, then
 *   the more accurate).
 */
import type { Minimize } from '../gate/judge-pass.js';

/** What the front and the choice need of a point. */
export interface FrontPoint {
  readonly id: string;
  /** Test accuracy, 0..1. */
  readonly accuracy: number;
  /** Points below the teacher (teacher accuracy - accuracy, x100). */
  readonly dropPoints: number;
  /** Teacher latency / this model's latency on the target (the teacher: 1). */
  readonly speedup: number;
  /** Confidence interval of the speed-up. */
  readonly low: number;
  readonly high: number;
  /** Bytes of the file the target loads. */
  readonly bytes: number;
}

/** Does `q` dominate `p` on what `minimize` counts (no worse on each, better on one)? */
export function dominates(q: FrontPoint, p: FrontPoint, minimize: Minimize): boolean {
  const fast = minimize !== 'size';
  const small = minimize !== 'latency';
  const noWorse =
    q.accuracy >= p.accuracy && (!fast || q.speedup >= p.speedup) && (!small || q.bytes <= p.bytes);
  const better = q.accuracy > p.accuracy || (fast && q.speedup > p.speedup) || (small && q.bytes < p.bytes);
  return noWorse && better;
}

/** Ids of the non-dominated points, fastest first (size: smallest first). */
export function searchFront(points: readonly FrontPoint[], minimize: Minimize): string[] {
  return points
    .filter((p) => !points.some((q) => q !== p && dominates(q, p, minimize)))
    .sort((a, b) => (minimize === 'size' ? a.bytes - b.bytes : b.speedup - a.speedup))
    .map((p) => p.id);
}

/** The chosen point's id (see the file comment), or null when no point is within the budget. */
export function choosePoint(
  points: readonly FrontPoint[],
  minimize: Minimize,
  maxDrop: number,
): string | null {
  const front = new Set(searchFront(points, minimize));
  const eligible = points.filter((p) => front.has(p.id) && p.dropPoints <= maxDrop + 1e-9);
  if (eligible.length === 0) return null;
  const byAccuracy = (a: FrontPoint, b: FrontPoint) => b.accuracy - a.accuracy;
  const fastest = (a: FrontPoint, b: FrontPoint) =>
    b.speedup - a.speedup || a.bytes - b.bytes || byAccuracy(a, b);
  const smallest = (a: FrontPoint, b: FrontPoint) =>
    a.bytes - b.bytes || b.speedup - a.speedup || byAccuracy(a, b);
  if (minimize === 'latency') return ([...eligible].sort(fastest)[0] as FrontPoint).id;
  if (minimize === 'size') return ([...eligible].sort(smallest)[0] as FrontPoint).id;
  const best = [...eligible].sort(fastest)[0] as FrontPoint;
  const tied = eligible.filter((p) => p.high >= best.low);
  return ([...tied].sort(smallest)[0] as FrontPoint).id;
}
