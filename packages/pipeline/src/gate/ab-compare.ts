/**
 * A noise-aware latency comparison of two models on one runtime: interleaved A/B runs. Each block
 * runs A and B alternately (`blockSize` runs each, the order flipping from block to block, so slow
 * drifts of a busy machine hit both arms alike) and yields one statistic, log(median B / median A).
 * After `minBlocks` blocks, and then each time the number of blocks doubles, a Student-t confidence
 * interval of the mean log ratio is computed; the comparison stops as soon as the interval excludes
 * 0 (one model is faster), lies inside ±`equivalence` (no difference worth having), or the time
 * budget is spent. The looks are few (geometric) and each spends confidence / number of looks
 * (Bonferroni), so repeated looking does not inflate the error rate. The runners report their own
 * inference-only milliseconds, so the statistics can be checked with injected timings.
 */

/** One timed inference: resolves to its milliseconds (inference only, no pre/post-processing). */
export type TimedRun = () => Promise<number>;

/** Settings of a comparison. */
export interface AbOptions {
  /** Wall-clock budget in ms; the comparison ends undecided when it is spent. */
  readonly budgetMs: number;
  /** Two-sided confidence of the interval. @default 0.95 */
  readonly confidence?: number;
  /** Relative latency difference below which two models count as the same. @default 0.02 */
  readonly equivalence?: number;
  /** Untimed runs of each model first. @default 10 */
  readonly warmup?: number;
  /** Runs of each model per block. @default 8 */
  readonly blockSize?: number;
  /** Blocks before the first look. @default 6 */
  readonly minBlocks?: number;
  /** Blocks at most. @default 384 */
  readonly maxBlocks?: number;
  /** Clock in ms (injected by tests). @default performance.now */
  readonly now?: () => number;
}

/** What a comparison found; speed-up = latency A / latency B (above 1: B is faster). */
export interface AbResult {
  [key: string]: string | number;
  /** 'faster': B beats A beyond the interval; 'slower': A beats B; 'same': within ±equivalence; else 'undecided'. */
  verdict: 'faster' | 'slower' | 'same' | 'undecided';
  /** Why it stopped: 'separated', 'equivalent', 'budget' or 'max-blocks'. */
  stoppedBy: 'separated' | 'equivalent' | 'budget' | 'max-blocks';
  /** Point estimate of latency A / latency B (geometric mean over blocks). */
  speedup: number;
  /** Confidence interval of the speed-up. */
  low: number;
  high: number;
  confidence: number;
  /** Per-look confidence actually used (Bonferroni over the looks). */
  lookConfidence: number;
  blocks: number;
  /** Timed runs of each model (on each target). */
  runsPerModel: number;
  /** Medians over every timed run, ms (several targets: weighted geometric mean of their medians). */
  medianAMs: number;
  medianBMs: number;
  elapsedMs: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`'p' must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * Upper `p` quantile of Student's t with `df` degrees of freedom (Hill's 1970 expansion of the
 * normal quantile; within 1e-3 of the tables for df >= 3 at the confidences used here).
 */
export function tQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** The two models on one target, and that target's weight in the objective. */
export interface AbPair {
  readonly runA: TimedRun;
  readonly runB: TimedRun;
  /** Relative weight (> 0). */
  readonly weight: number;
}

/** Compares the latency of A (the parent) and B (the candidate) by interleaved runs. */
export async function compareLatency(runA: TimedRun, runB: TimedRun, options: AbOptions): Promise<AbResult> {
  return compareLatencyWeighted([{ runA, runB, weight: 1 }], options);
}

/**
 * The same comparison over several targets at once: each block runs the interleaved A/B runs on
 * every target, and its statistic is the weighted mean of the targets' log ratios, so the speed-up
 * and its interval are the weighted geometric mean over the targets. Medians are weighted
 * geometric means of the targets' medians.
 */
export async function compareLatencyWeighted(
  pairs: readonly AbPair[],
  options: AbOptions,
): Promise<AbResult> {
  if (pairs.length === 0) throw new RangeError('compareLatencyWeighted needs at least one pair');
  for (const p of pairs)
    if (!(p.weight > 0 && Number.isFinite(p.weight)))
      throw new RangeError(`every weight must be a finite number > 0, got ${p.weight}`);
  const totalWeight = pairs.reduce((s, p) => s + p.weight, 0);
  const confidence = options.confidence ?? 0.95;
  const equivalence = options.equivalence ?? 0.02;
  const warmup = options.warmup ?? 10;
  const blockSize = options.blockSize ?? 8;
  const minBlocks = options.minBlocks ?? 6;
  const maxBlocks = Math.max(minBlocks, options.maxBlocks ?? 384);
  const now = options.now ?? (() => performance.now());
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`'confidence' must be in (0, 1), got ${confidence}`);
  if (!(minBlocks >= 3)) throw new RangeError(`'minBlocks' must be >= 3, got ${minBlocks}`);
  // Looks at minBlocks, 2 minBlocks, 4 minBlocks, ... and at maxBlocks.
  const looks = new Set<number>();
  for (let n = minBlocks; n < maxBlocks; n *= 2) looks.add(n);
  looks.add(maxBlocks);
  const lookConfidence = 1 - (1 - confidence) / looks.size;

  const started = now();
  for (let i = 0; i < warmup; i++) {
    for (const { runA, runB } of pairs) {
      await runA();
      await runB();
    }
  }
  const logs: number[] = [];
  const allA: number[][] = pairs.map(() => []);
  const allB: number[][] = pairs.map(() => []);
  let interval = { mean: 0, low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  let stoppedBy: AbResult['stoppedBy'] = 'max-blocks';
  for (let block = 0; block < maxBlocks; block++) {
    const aFirst = block % 2 === 0;
    let weighted = 0;
    for (const [t, { runA, runB, weight }] of pairs.entries()) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < blockSize; i++) {
        if (aFirst) {
          a.push(await runA());
          b.push(await runB());
        } else {
          b.push(await runB());
          a.push(await runA());
        }
      }
      allA[t]?.push(...a);
      allB[t]?.push(...b);
      weighted += weight * Math.log(median(b) / median(a));
    }
    logs.push(weighted / totalWeight);
    const n = logs.length;
    if (looks.has(n)) {
      const mean = logs.reduce((s, v) => s + v, 0) / n;
      const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
      const half = tQuantile(1 - (1 - lookConfidence) / 2, n - 1) * (sd / Math.sqrt(n));
      interval = { mean, low: mean - half, high: mean + half };
      const margin = Math.log(1 + equivalence);
      if (interval.high < 0 || interval.low > 0) {
        stoppedBy = 'separated';
        break;
      }
      if (interval.low > -margin && interval.high < margin) {
        stoppedBy = 'equivalent';
        break;
      }
    }
    if (now() - started >= options.budgetMs) {
      stoppedBy = 'budget';
      break;
    }
  }
  if (stoppedBy === 'budget' && !looks.has(logs.length) && logs.length >= 3) {
    // The budget ran out between looks: one last interval on what was measured (one more look).
    const n = logs.length;
    const mean = logs.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    const half = tQuantile(1 - (1 - lookConfidence) / 2, n - 1) * (sd / Math.sqrt(n));
    interval = { mean, low: mean - half, high: mean + half };
  }
  const weightedMedian = (runs: number[][]) =>
    runs[0]?.length
      ? Math.exp(
          runs.reduce((acc, r, t) => acc + (pairs[t]?.weight ?? 0) * Math.log(median(r)), 0) / totalWeight,
        )
      : Number.NaN;
  const margin = Math.log(1 + equivalence);
  const verdict: AbResult['verdict'] =
    interval.high < 0
      ? 'faster'
      : interval.low > 0
        ? 'slower'
        : interval.low > -margin && interval.high < margin
          ? 'same'
          : 'undecided';
  return {
    verdict,
    stoppedBy,
    speedup: Math.exp(-interval.mean),
    low: Math.exp(-interval.high),
    high: Math.exp(-interval.low),
    confidence,
    lookConfidence,
    blocks: logs.length,
    runsPerModel: allA[0]?.length ?? 0,
    medianAMs: weightedMedian(allA),
    medianBMs: weightedMedian(allB),
    elapsedMs: now() - started,
  };
}
