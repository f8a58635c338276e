/**
 * The contract of a benchmark target: say why it cannot run here (or nothing), then measure one
 * (model, precision) case and hand back raw samples; the harness turns them into a report row.
 */
import type { ModelFileFormat } from '@edgeml/core';
import type {
  BatchThroughput,
  BenchPrecision,
  BenchSettings,
  ColdStartSample,
  ConcurrencyResult,
  LatencySamples,
  MemoryResult,
  ModuleColdStart,
  RuntimeCodeSize,
  WorkerCpuResult,
  WorkerLoadResult,
} from '../report/types.js';
import type { BenchImageSet } from '../run/images.js';

/** What a target gets for one case. */
export interface CaseContext {
  /** Model package directory. */
  readonly modelDir: string;
  readonly model: string;
  readonly precision: BenchPrecision;
  readonly images: BenchImageSet;
  /** The images as a JSON array of base64 PNGs, for child processes. */
  readonly imagesFile: string;
  /** A scratch directory for this case (removed after the run). */
  readonly workDir: string;
  readonly settings: BenchSettings;
  /** Short progress notes ('cold start 2/3'). */
  readonly note: (message: string) => void;
}

/** Raw measurements of one case. */
export interface TargetMeasurement {
  readonly backend: string;
  readonly coldStarts: readonly ColdStartSample[];
  readonly warmupIterations: number;
  readonly samples: LatencySamples;
  /** Top-1 class index per benchmark image. */
  readonly predictions: readonly number[];
  readonly memory: MemoryResult;
  readonly batches?: readonly BatchThroughput[];
  readonly batchNote?: string;
  readonly concurrency?: readonly ConcurrencyResult[];
  /** The runtime's code apart from the weights (ort-web and edgeml-wasm targets). */
  readonly runtimeCode?: RuntimeCodeSize;
  /** The compiled module alone: instantiation + first run in fresh processes (edgeml-wasm). */
  readonly moduleColdStart?: ModuleColdStart;
  /** The Worker's CPU time per request. */
  readonly cpu?: WorkerCpuResult;
  /** The Worker under load (settings.workerLoadSeconds > 0). */
  readonly load?: WorkerLoadResult;
  readonly extra?: Record<string, unknown>;
}

/** A place where a model package can run: an in-process runtime, a Worker over HTTP, a browser page. */
export interface BenchTarget {
  /** Report name of the target ('ort-node', 'worker', ...). */
  readonly name: string;
  /** Format of the model file it loads (the report's size columns and the int8 check use it). */
  readonly format: ModelFileFormat;
  /** Why the target cannot run here at all (missing browser, package), or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /** Why this case cannot run (no such file variant), or undefined. */
  unsupported?(context: CaseContext): Promise<string | undefined>;
  /** Measures one case; throws when the case fails. */
  measure(context: CaseContext): Promise<TargetMeasurement>;
  /** Versions and flavours this target adds to the environment block. */
  describe?(): Promise<{ versions?: Record<string, string>; wasm?: Record<string, string> }>;
}
