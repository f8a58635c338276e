/** Options of runBench, their defaults, and their checks (typed errors naming the option). */
import { ConfigError, type OptionDecls, type ProgressCallback, readOptions } from '@edgeml/core';
import type { Dataset, LoadDatasetOptions } from '@edgeml/trainer';
import type { BenchPrecision, BenchSettings, CaseResult, TargetName } from '../report/types.js';
import type { BenchTarget } from '../targets/target.js';

/** Options of runBench. */
export interface BenchOptions {
  /** Model package directories. */
  readonly models: readonly string[];
  /** Built-in target names or your own targets. @default every built-in target */
  readonly targets?: readonly (TargetName | BenchTarget)[];
  /** Precisions to try; a (precision, target) the package has no file for is a skipped row saying so. @default ['float32', 'int8'] */
  readonly precisions?: readonly BenchPrecision[];
  /** Benchmark images drawn from the test split of the models' data set. @default 1000 */
  readonly images?: number;
  /**
   * The data set whose test images are measured: loadDataset options or a loaded data set; every
   * model must match its classes and input shape. @default the first model's own (`manifest.data`)
   */
  readonly dataset?: LoadDatasetOptions | Dataset;
  /** Seed of the image subset. @default 0 */
  readonly seed?: number;
  /** Fresh processes (or wrangler dev starts) per case. @default 3 */
  readonly coldStarts?: number;
  /** Warm-up iterations before the latency run. @default 20 */
  readonly warmupIterations?: number;
  /** Least latency iterations. @default 50 */
  readonly minIterations?: number;
  /** Most latency iterations. @default 2000 */
  readonly maxIterations?: number;
  /** Time budget of the latency run (ms); it runs until both this and minIterations are met. @default 2000 */
  readonly timeMs?: number;
  /** Batch sizes for the throughput of runtimes that take batches. @default [1, 8, 32, 64] */
  readonly batchSizes?: readonly number[];
  /** Parallel HTTP clients for the Worker. @default [1, 4, 8] */
  readonly concurrency?: readonly number[];
  /** Requests per concurrency level, at most. @default 300 */
  readonly concurrencyRequests?: number;
  /** Time per concurrency level, at most (ms). @default 5000 */
  readonly concurrencyTimeMs?: number;
  /**
   * Seconds per phase of the Worker load test, run after the per-request measurements on the same
   * Worker: good requests only, then one in four hostile, every answer checked. @default 0 (not run)
   */
  readonly workerLoadSeconds?: number;
  /** Concurrent clients of the Worker load test. @default 32 */
  readonly workerLoadClients?: number;
  /** Cases done / total, with the current case's step as the message. */
  readonly onProgress?: ProgressCallback;
  /** Called with each finished row. */
  readonly onCase?: (row: CaseResult) => void;
}

/**
 * The run settings, declared once: runBench's defaults and checks, `edgeml bench`'s flags and the
 * pipeline's `bench` keys are derived from them.
 */
export const BENCH_OPTIONS = {
  images: {
    kind: 'integer',
    min: 1,
    max: 10_000,
    default: 1000,
    placeholder: 'N',
    description: "test images of the models' data set (a seeded subset) for accuracy",
  },
  coldStarts: {
    kind: 'integer',
    min: 1,
    max: 100,
    default: 3,
    placeholder: 'N',
    description: 'fresh processes (servers, browsers) per case',
  },
  warmupIterations: {
    kind: 'integer',
    min: 0,
    default: 20,
    flag: 'warmup',
    placeholder: 'N',
    description: 'warm-up iterations',
  },
  minIterations: {
    kind: 'integer',
    min: 1,
    default: 50,
    placeholder: 'N',
    description: 'least latency iterations',
  },
  maxIterations: {
    kind: 'integer',
    min: 1,
    default: 2000,
    placeholder: 'N',
    description: 'most latency iterations',
  },
  timeMs: {
    kind: 'integer',
    min: 0,
    default: 2000,
    placeholder: 'MS',
    description: 'time budget of the latency run per case (ms)',
  },
  batchSizes: {
    kind: 'list',
    integers: true,
    default: [1, 8, 32, 64],
    flag: 'batches',
    placeholder: 'LIST',
    description: 'batch sizes for throughput',
  },
  concurrency: {
    kind: 'list',
    integers: true,
    default: [1, 4, 8],
    placeholder: 'LIST',
    description: 'parallel HTTP clients (worker)',
  },
  concurrencyRequests: {
    kind: 'integer',
    min: 1,
    default: 300,
    flag: 'requests',
    placeholder: 'N',
    description: 'requests per concurrency level, at most',
  },
  concurrencyTimeMs: {
    kind: 'integer',
    min: 0,
    default: 5000,
    placeholder: 'MS',
    description: 'time per concurrency level, at most (ms)',
  },
  workerLoadSeconds: {
    kind: 'integer',
    min: 0,
    max: 3600,
    default: 0,
    flag: 'worker-load',
    placeholder: 'S',
    description:
      'worker: seconds per phase of the load test after the per-request measurements (good, then 1 in 4 hostile; 0: off)',
  },
  workerLoadClients: {
    kind: 'integer',
    min: 1,
    max: 1024,
    default: 32,
    placeholder: 'N',
    description: 'worker: concurrent clients of the load test',
  },
} as const satisfies OptionDecls;

/** The settings a run uses, defaults applied and checked (BENCH_OPTIONS; `bench: 'coldStarts' must be ...`). */
export function resolveSettings(options: BenchOptions): BenchSettings {
  const { images: _images, ...settings } = readOptions(
    BENCH_OPTIONS,
    Object.fromEntries(
      Object.keys(BENCH_OPTIONS)
        .map((k) => [k, (options as unknown as Record<string, unknown>)[k]])
        .filter(([, v]) => v !== undefined),
    ),
    'bench',
  );
  if (settings.maxIterations < settings.minIterations) {
    throw new ConfigError(
      `bench: 'maxIterations' (${settings.maxIterations}) must be >= 'minIterations' (${settings.minIterations})`,
    );
  }
  return settings as BenchSettings;
}
