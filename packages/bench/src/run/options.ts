/** Options of runBench, their defaults, and their checks (typed errors naming the option). */
import { ConfigError, type ProgressCallback } from '@edgeml/core';
import type { Dataset, LoadDatasetOptions } from '@edgeml/trainer';
import type { BenchPrecision, BenchSettings, CaseResult, TargetName } from '../report/types.js';
import type { BenchTarget } from '../targets/target.js';

/** Options of runBench. */
export interface BenchOptions {
  /** Model package directories. */
  readonly models: readonly string[];
  /** Built-in target names or your own targets. @default every built-in target */
  readonly targets?: readonly (TargetName | BenchTarget)[];
  /** Precisions to try; int8 only runs for packages that hold an int8 model file. @default ['float32', 'int8'] */
  readonly precisions?: readonly BenchPrecision[];
  /** Benchmark images drawn from the test split of the models' data set. @default 200 */
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
  /** Cases done / total, with the current case's step as the message. */
  readonly onProgress?: ProgressCallback;
  /** Called with each finished row. */
  readonly onCase?: (row: CaseResult) => void;
}

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`'${name}' must be an integer >= ${min}, got ${value}`, { option: name });
  }
  return value;
}

function intList(name: string, values: readonly number[]): readonly number[] {
  if (values.length === 0) throw new ConfigError(`'${name}' must list at least one value`, { option: name });
  for (const v of values) positiveInt(name, v);
  return [...values];
}

/** The settings a run uses, defaults applied and checked. */
export function resolveSettings(options: BenchOptions): BenchSettings {
  const settings: BenchSettings = {
    coldStarts: positiveInt('coldStarts', options.coldStarts ?? 3),
    warmupIterations: positiveInt('warmupIterations', options.warmupIterations ?? 20, 0),
    minIterations: positiveInt('minIterations', options.minIterations ?? 50),
    maxIterations: positiveInt('maxIterations', options.maxIterations ?? 2000),
    timeMs: positiveInt('timeMs', options.timeMs ?? 2000, 0),
    batchSizes: intList('batchSizes', options.batchSizes ?? [1, 8, 32, 64]),
    concurrency: intList('concurrency', options.concurrency ?? [1, 4, 8]),
    concurrencyRequests: positiveInt('concurrencyRequests', options.concurrencyRequests ?? 300),
    concurrencyTimeMs: positiveInt('concurrencyTimeMs', options.concurrencyTimeMs ?? 5000, 0),
  };
  if (settings.maxIterations < settings.minIterations) {
    throw new ConfigError(
      `'maxIterations' (${settings.maxIterations}) must be >= 'minIterations' (${settings.minIterations})`,
    );
  }
  return settings;
}
