/**
 * Interleaved A/B latency of two ONNX files in one runtime, for the precision plan: both sessions
 * open side by side, each block runs A and B alternately (`blockSize` runs each, the order flipping
 * every block so a busy machine's drifts hit both), one statistic per block, log(median A / median B),
 * and a normal-approximation interval of its mean over the blocks (100 by default).
 * The pipeline's pass gate has a sequential version with early stopping (packages/pipeline
 * gate/ab-compare.ts); this fixed-size one keeps the optimizer free of the pipeline package.
 */

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { ConfigError } from '@edgeml/core';
import type { ProfiledRuntime, ProfileInput } from './profile-nodes.js';

/** One timed inference; resolves to its milliseconds. */
export type TimedRun = () => Promise<number>;

/** Speed-up of B over A (latency A / latency B) with its interval. */
export interface SpeedupInterval {
  /** Geometric mean over blocks of median A / median B: above 1, B is faster. */
  readonly speedup: number;
  readonly low: number;
  readonly high: number;
  /** Two-sided confidence of [low, high]. */
  readonly confidence: number;
  readonly blocks: number;
  readonly medianAMs: number;
  readonly medianBMs: number;
}

/** Settings of interleavedSpeedup. */
export interface InterleaveOptions {
  /** @default 100 */
  readonly blocks?: number;
  /** Runs of each model per block. @default 8 */
  readonly blockSize?: number;
  /** Untimed runs of each first. @default 20 */
  readonly warmup?: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Speed-up of B over A from interleaved runs, with a 95% interval (normal approximation over blocks). */
export async function interleavedSpeedup(
  runA: TimedRun,
  runB: TimedRun,
  options: InterleaveOptions = {},
): Promise<SpeedupInterval> {
  const blocks = options.blocks ?? 100;
  const blockSize = options.blockSize ?? 8;
  if (!Number.isInteger(blocks) || blocks < 10) {
    throw new ConfigError(`'blocks' must be an integer >= 10, got ${blocks}`);
  }
  for (let i = 0; i < (options.warmup ?? 20); i++) {
    await runA();
    await runB();
  }
  const logs: number[] = [];
  const allA: number[] = [];
  const allB: number[] = [];
  for (let block = 0; block < blocks; block++) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < blockSize; i++) {
      if (block % 2 === 0) {
        a.push(await runA());
        b.push(await runB());
      } else {
        b.push(await runB());
        a.push(await runA());
      }
    }
    allA.push(...a);
    allB.push(...b);
    logs.push(Math.log(median(a) / median(b)));
  }
  const mean = logs.reduce((s, v) => s + v, 0) / blocks;
  const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (blocks - 1));
  const half = (1.96 * sd) / Math.sqrt(blocks);
  return {
    speedup: Math.exp(mean),
    low: Math.exp(mean - half),
    high: Math.exp(mean + half),
    confidence: 0.95,
    blocks,
    medianAMs: median(allA),
    medianBMs: median(allB),
  };
}

/** A single-threaded session of `bytes` on `runtime` (optimisation 'all') as a timed run of `input`. */
export async function openTimedRun(
  bytes: Uint8Array,
  runtime: ProfiledRuntime,
  input: ProfileInput,
): Promise<{ run: TimedRun; release: () => Promise<void> }> {
  const ort = runtime === 'ort-web' ? await import('onnxruntime-web') : await import('onnxruntime-node');
  if (runtime === 'ort-web') {
    const web = ort as typeof import('onnxruntime-web');
    web.env.wasm.numThreads = 1;
    web.env.wasm.wasmPaths = `${dirname(createRequire(import.meta.url).resolve('onnxruntime-web'))}/`;
  }
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    ...(runtime === 'ort-web'
      ? { executionProviders: ['wasm'] }
      : { intraOpNumThreads: 1, interOpNumThreads: 1 }),
  });
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.x, [...input.shape]) };
  return {
    run: async () => {
      const t0 = performance.now();
      await session.run(feeds as never);
      return performance.now() - t0;
    },
    release: () => session.release(),
  };
}
