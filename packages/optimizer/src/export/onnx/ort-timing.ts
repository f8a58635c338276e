/**
 * Latency timing in onnxruntime-node, as the reports measure it: a session with graph optimisation
 * 'all' on one thread (intra- and inter-op), warm-up runs, then the median wall time of timed runs.
 */

import type * as Ort from 'onnxruntime-node';

/** Opens `bytes` in a single-threaded onnxruntime-node session (optimisation 'all'), runs `use`, then releases it. */
export async function withTimingSession<T>(
  bytes: Uint8Array,
  use: (session: Ort.InferenceSession, ort: typeof Ort) => Promise<T>,
): Promise<T> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  try {
    return await use(session, ort);
  } finally {
    await session.release();
  }
}

/** Median milliseconds of `runs` runs of `session` on `feeds`, after `warmup` untimed runs. */
export async function medianRunMs(
  session: Ort.InferenceSession,
  feeds: Ort.InferenceSession.FeedsType,
  warmup: number,
  runs: number,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
