/**
 * The batch-1 latency run, on tinybench: warm-up iterations first, then iterations until both the
 * time budget and the minimum count are met, stopped early (abort) at the maximum count. Samples
 * are recorded in run order by the task itself, split as the Classifier's timings split them.
 */
import { Bench } from 'tinybench';
import type { LatencySamples } from '../../report/types.js';

/** Timings of one iteration (ms): end to end as the caller saw it, and the Classifier's split. */
export interface IterationTimings {
  readonly endToEnd: number;
  readonly inference: number;
  readonly decode: number;
  readonly preprocess: number;
}

/** Budget of a latency run. */
export interface LatencyBudget {
  readonly warmupIterations: number;
  readonly minIterations: number;
  readonly maxIterations: number;
  readonly timeMs: number;
}

/** Runs `iteration(i)` under the budget and returns its samples in run order. */
export async function runLatency(
  name: string,
  iteration: (index: number) => Promise<IterationTimings>,
  budget: LatencyBudget,
  onIteration: () => void = () => {},
): Promise<{ samples: LatencySamples; warmupIterations: number }> {
  const samples = {
    endToEnd: [] as number[],
    inference: [] as number[],
    decode: [] as number[],
    preprocess: [] as number[],
  };
  const controller = new AbortController();
  let recording = false;
  let warmups = 0;
  let index = 0;
  const bench = new Bench({
    name,
    time: budget.timeMs,
    iterations: budget.minIterations,
    warmup: budget.warmupIterations > 0,
    warmupIterations: budget.warmupIterations,
    warmupTime: 0,
    throws: true,
    signal: controller.signal,
    setup: (_task, mode) => {
      recording = mode === 'run';
    },
  });
  bench.add(name, async () => {
    const t = await iteration(index++);
    onIteration();
    if (!recording) {
      warmups++;
      return;
    }
    samples.endToEnd.push(t.endToEnd);
    samples.inference.push(t.inference);
    samples.decode.push(t.decode);
    samples.preprocess.push(t.preprocess);
    if (samples.endToEnd.length >= budget.maxIterations) controller.abort();
  });
  await bench.run();
  return { samples, warmupIterations: warmups };
}
