/** What the parent hands a fresh case-runner process, and what the process hands back. */
import type {
  BatchThroughput,
  BenchPrecision,
  ColdStartSample,
  LatencySamples,
  MemoryResult,
} from '../../report/types.js';

/** Targets measured inside a Node process through the Classifier API. */
export type RuntimeTargetName =
  | 'ort-node'
  | 'ort-web'
  | 'edgeml-wasm'
  | 'tflite'
  | 'litert'
  | 'tfjs-wasm'
  | 'tfjs-cpu';

/** The in-process targets. */
export const RUNTIME_TARGET_NAMES: readonly RuntimeTargetName[] = [
  'ort-node',
  'ort-web',
  'edgeml-wasm',
  'tflite',
  'litert',
  'tfjs-wasm',
  'tfjs-cpu',
];

/** One case for one process: 'cold' stops after the first inference, 'full' measures everything. */
export interface RuntimeJob {
  readonly mode: 'cold' | 'full';
  readonly target: RuntimeTargetName;
  readonly modelDir: string;
  readonly precision: BenchPrecision;
  /** JSON file with the benchmark PNGs (base64). */
  readonly imagesFile: string;
  /** Where the process writes its RuntimeOutcome. */
  readonly resultFile: string;
  readonly warmupIterations: number;
  readonly minIterations: number;
  readonly maxIterations: number;
  readonly timeMs: number;
  readonly batchSizes: readonly number[];
}

/** What a 'full' process measured. */
export interface RuntimeMeasurement {
  readonly backend: string;
  readonly coldStart: ColdStartSample;
  readonly warmupIterations?: number;
  readonly samples?: LatencySamples;
  readonly batches?: readonly BatchThroughput[];
  readonly batchNote?: string;
  readonly predictions?: readonly number[];
  readonly memory?: MemoryResult;
}

/** The result file's content. */
export type RuntimeOutcome =
  | { readonly ok: true; readonly measurement: RuntimeMeasurement }
  | { readonly ok: false; readonly message: string; readonly code?: string };
