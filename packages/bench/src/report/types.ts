/**
 * The benchmark report: the environment, the data used, and one row per (model, precision,
 * target) case with every raw sample, as a tagged union on `status` (ok | skipped | errored).
 */
import type { Summary } from '../stats/summary.js';

/** Version of the report.json layout. */
export const BENCH_REPORT_VERSION = 1;

/** Targets the harness knows. */
export const TARGET_NAMES = [
  'ort-node',
  'ort-web',
  'edgeml-wasm',
  'tflite',
  'litert',
  'tfjs-wasm',
  'tfjs-cpu',
  'worker',
  'worker-edgeml-wasm',
  'chromium',
  'chromium-edgeml-wasm',
  'chromium-webgpu',
  'chromium-litert',
  'chromium-tflite',
] as const;

/** A benchmark target: an in-process runtime, the Worker over HTTP, or a Chromium page. */
export type TargetName = (typeof TARGET_NAMES)[number];

/** Model precisions benchmarked. */
export type BenchPrecision = 'float32' | 'int8';

/** One cold start, in a fresh process (ms). Phases absent where a target cannot split them. */
export interface ColdStartSample {
  /** Importing the runtime's modules (and, for wasm runtimes set up at import, compiling Wasm). */
  readonly import?: number;
  /** Reading the package, creating the session (Wasm instantiation where lazy), one validation run. */
  readonly create?: number;
  /** The Worker: `wrangler dev` spawned until /v1/health answers. */
  readonly ready?: number;
  /** The first classify() of a real PNG (the Worker: first POST, which creates the isolate's session). */
  readonly firstInference: number;
  /** From process start (or wrangler spawn) to the first answer. */
  readonly total: number;
}

/** The per-iteration samples of the batch-1 latency run, in run order (ms). */
export interface LatencySamples {
  /** End to end as the caller sees it: PNG bytes in, top-k out (the Worker: HTTP round trip). */
  readonly endToEnd: readonly number[];
  /** The runtime's inference alone (Classifier `timings.inference`). */
  readonly inference: readonly number[];
  readonly decode: readonly number[];
  readonly preprocess: readonly number[];
}

/** Batch-1 latency after warm-up. */
export interface LatencyResult {
  readonly warmupIterations: number;
  readonly samples: LatencySamples;
  readonly endToEnd: Summary;
  readonly inference: Summary;
}

/** Inference throughput at one batch size (preprocessed tensors, adapter only). */
export interface BatchThroughput {
  readonly batchSize: number;
  readonly runs: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
}

/** k parallel HTTP clients against the Worker. */
export interface ConcurrencyResult {
  readonly clients: number;
  readonly requests: number;
  readonly failures: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencySamples: readonly number[];
  readonly latency: Summary;
}

/** Throughput figures of a case. */
export interface ThroughputResult {
  /** Batch 1, one image after the other, end to end: latency samples / their sum. */
  readonly sequentialImagesPerSecond: number;
  /** Batch sizes tried (runtimes that take batches); the unsupported ones are left out. */
  readonly batches?: readonly BatchThroughput[];
  /** The batch size with the most images/s. */
  readonly bestBatch?: BatchThroughput;
  /** Why batches were not measured, when they were not. */
  readonly batchNote?: string;
  readonly concurrency?: readonly ConcurrencyResult[];
}

/** Peak memory of the process that ran the model (bytes). */
export interface MemoryResult {
  /** Where it was read: 'node process', 'workerd /proc', 'chromium cdp'. */
  readonly source: string;
  readonly rssPeakBytes: number;
  readonly heapUsedPeakBytes?: number;
  /** Sum of the WebAssembly memories the runtime created, at the end of the run. */
  readonly wasmMemoryBytes?: number;
}

/** Accuracy on the benchmark images. */
export interface AccuracyResult {
  readonly images: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Top-1 class per image, in the order of the report's image indices. */
  readonly predictions: readonly number[];
  /** Share of images with the same top-1 as the model's float32 reference row. */
  readonly agreement?: number;
  /** Which row is the reference: 'float32 ort-node' etc. */
  readonly reference?: string;
}

/**
 * CPU time per request of the Worker, read from workerd's processes (/proc) around requests sent
 * one at a time, idle baseline subtracted (ms). Cloudflare bills and limits CPU time, not wall time.
 */
export interface WorkerCpuResult {
  /** Where it was read. */
  readonly source: string;
  /** workerd's CPU while idle (ms per s), subtracted from each request. */
  readonly idleMsPerSecond: number;
  /** CPU of the whole local workerd from spawn until /v1/health answered, per cold start. */
  readonly startupMs: readonly number[];
  /** CPU of the first classification of each fresh workerd (creates the ORT session). */
  readonly coldMs: readonly number[];
  /** Wall time of those first classifications. */
  readonly coldWallMs: readonly number[];
  /** CPU of each warm classification, in run order. */
  readonly warmSamples: readonly number[];
  /** Wall time of each warm classification. */
  readonly warmWallSamples: readonly number[];
  readonly warm: Summary;
  /** CPU of GET /v1/health (no model work): local HTTP handling, not billed in production. */
  readonly floor: Summary;
  /** The cheapest plan whose per-request CPU limit fits the warm p99 and every cold request. */
  readonly plan: 'free' | 'paid' | 'none';
  /** Limits exceeded: warm p50 over 10 ms (free plan), cold over the 1 s startup budget (else over 10 ms). */
  readonly flags: readonly string[];
}

/** One timed phase of the Worker load test: k clients sending requests back to back. */
export interface WorkerLoadPhase {
  /** 'good' (good requests only) or 'mixed' (every `hostileEvery`-th request hostile). */
  readonly phase: string;
  readonly clients: number;
  /** Measured duration (s). */
  readonly seconds: number;
  readonly requests: number;
  readonly good: number;
  readonly hostile: number;
  /** Unexpected statuses, network failures and wrong answers. */
  readonly errors: number;
  /** Good requests answered 200 with another top-1, or a probability off by more than the tolerance. */
  readonly wrong: number;
  /** The first few errors, in words. */
  readonly errorSamples: readonly string[];
  readonly requestsPerSecond: number;
  readonly goodPerSecond: number;
  /** Latency of the good requests (ms). */
  readonly latency: Summary;
  /** Resident memory of the workerd hosting the Worker, sampled every 500 ms (bytes). */
  readonly rss: { readonly startBytes: number; readonly peakBytes: number; readonly endBytes: number };
}

/** The isolate's V8 heap, read through the inspector after a GC (bytes). */
export interface IsolateHeapReading {
  /** Live JS objects. */
  readonly usedBytes: number;
  /** The heap V8 reserved. */
  readonly totalBytes: number;
  /** ArrayBuffer backing stores (Wasm memories among them, where V8 reports them). */
  readonly backingStorageBytes: number;
}

/**
 * The Worker under load: a phase of good requests, then one with hostile requests interleaved,
 * every good answer checked against onnxruntime-node, the isolate's memory against a bound.
 */
export interface WorkerLoadResult {
  readonly clients: number;
  /** Planned seconds per phase. */
  readonly secondsPerPhase: number;
  /** In the mixed phase, every n-th request is hostile. */
  readonly hostileEvery: number;
  /** Largest |Δp| of a good answer's top-1 probability against onnxruntime-node. */
  readonly tolerance: number;
  /** The hostile requests and the status each must get. */
  readonly hostileRequests: readonly { readonly name: string; readonly status: number }[];
  /** The good phase, then the mixed one. */
  readonly phases: readonly WorkerLoadPhase[];
  /** Isolate heap at the start of the good phase, its end and the end of the mixed one (null: not read). */
  readonly isolateHeap: readonly (IsolateHeapReading | null)[];
  /** What the bound was checked on: the isolate (heap + ArrayBuffers), or workerd's RSS when the heap was not read. */
  readonly growthMeasure: 'isolate heap + backing stores' | 'hosting workerd RSS';
  /** Growth of that measure from the start of the good phase to the end of the mixed one (bytes). */
  readonly growthBytes: number;
  readonly memoryBoundBytes: number;
  readonly withinBound: boolean;
  /** RSS growth of the workerd hosting the Worker over the same span (bytes). */
  readonly workerdRssGrowthBytes: number;
  /** RSS of wrangler's proxy workerd at the end (local only, not deployed). */
  readonly proxyRssEndBytes: number;
  /** workerd threads at the start of the good phase and at the end. */
  readonly threads: { readonly start: number; readonly end: number };
}

/**
 * What a target ships to run a model besides its weights (raw and gzip level 9 bytes): onnxruntime-web's
 * wasm and JS, or the compiled module's code (its `.wasm` without the weights data segment) and its
 * loader. The number that answers "how much runtime does a visitor / a Worker upload carry?".
 */
export interface RuntimeCodeSize {
  readonly bytes: number;
  readonly gzipBytes: number;
  /** What was counted, in words. */
  readonly counts: string;
}

/**
 * The compiled module's cold start as a user of model.js alone pays it (target edgeml-wasm): fresh
 * Node processes, each timing load(bytes) (WebAssembly compile + instantiate) and one run() (ms).
 */
export interface ModuleColdStart {
  /** How it was measured, in words. */
  readonly how: string;
  /** Wall times, and `cpu`: the process's CPU time (all threads) over load + run (ms). */
  readonly samples: readonly {
    readonly instantiate: number;
    readonly firstRun: number;
    readonly cpu: number;
  }[];
  /** instantiate + firstRun. */
  readonly total: Summary;
  /** CPU time of instantiate + firstRun. */
  readonly cpu: Summary;
}

/** The model file a case loaded. */
export interface CaseFile {
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** Fields every case row has. */
export interface CaseKey {
  readonly model: string;
  readonly precision: BenchPrecision;
  readonly target: string;
}

/** A case that ran to the end. */
export interface OkCase extends CaseKey {
  readonly status: 'ok';
  /** What ran it: 'onnxruntime-node 1.30.0 (cpu EP)', 'tfjs-backend-wasm simd build, 1 thread', ... */
  readonly backend: string;
  readonly file: CaseFile;
  readonly coldStart: { readonly samples: readonly ColdStartSample[]; readonly total: Summary };
  readonly latency: LatencyResult;
  readonly throughput: ThroughputResult;
  readonly memory: MemoryResult;
  readonly accuracy: AccuracyResult;
  /** The runtime's code apart from the weights (the targets that run ort-web or edgeml-wasm). */
  readonly runtimeCode?: RuntimeCodeSize;
  /** The compiled module alone: instantiation + first run in fresh processes (target edgeml-wasm). */
  readonly moduleColdStart?: ModuleColdStart;
  /** The Worker's CPU time per request (target worker). */
  readonly cpu?: WorkerCpuResult;
  /** The Worker under load (target worker, `workerLoadSeconds` > 0). */
  readonly load?: WorkerLoadResult;
  /** Target-specific facts (Worker bundle size, ...). */
  readonly extra?: Record<string, unknown>;
}

/** A case that could not run here. */
export interface SkippedCase extends CaseKey {
  readonly status: 'skipped';
  readonly reason: string;
}

/** A case that failed while running. */
export interface ErroredCase extends CaseKey {
  readonly status: 'errored';
  readonly message: string;
  /** EdgemlError code, when it was one. */
  readonly code?: string;
}

/** One row of the report. */
export type CaseResult = OkCase | SkippedCase | ErroredCase;

/** Where and with what the bench ran. */
export interface BenchEnvironment {
  readonly cpuModel: string;
  readonly cores: number;
  /** os.loadavg() at the start and at the end. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly totalMemoryBytes: number;
  readonly platform: string;
  readonly arch: string;
  /** name → version (node, onnxruntime-node, onnxruntime-web, tfjs, tfjs-tflite, wrangler, workerd, chromium, ...). */
  readonly versions: Readonly<Record<string, string>>;
  /** onnxruntime-web's Wasm flavour in Node: 'simd, 1 thread', and the like. */
  readonly wasm: Readonly<Record<string, string>>;
}

/** A model package benchmarked. */
export interface BenchModel {
  readonly name: string;
  readonly dir: string;
  readonly manifestSha256: string;
  /** Model files of the package (path, format, precision, raw and gzip bytes). */
  readonly files: readonly (CaseFile & { readonly format: string; readonly precision: string })[];
}

/** The images every case classified. */
export interface BenchImages {
  readonly dataset: string;
  readonly split: string;
  /** How the subset was drawn: 'seeded subset of 200 of 10000, seed 0'. */
  readonly selection: string;
  readonly indices: readonly number[];
  readonly labels: readonly number[];
}

/** The settings a run used. */
export interface BenchSettings {
  readonly coldStarts: number;
  readonly warmupIterations: number;
  readonly minIterations: number;
  readonly maxIterations: number;
  readonly timeMs: number;
  readonly batchSizes: readonly number[];
  readonly concurrency: readonly number[];
  readonly concurrencyRequests: number;
  readonly concurrencyTimeMs: number;
  /** Seconds per phase of the Worker load test (0: not run; absent in reports older than the option). */
  readonly workerLoadSeconds?: number;
  /** Concurrent clients of the Worker load test. */
  readonly workerLoadClients?: number;
}

/** report.json. */
export interface BenchReport {
  readonly reportVersion: typeof BENCH_REPORT_VERSION;
  readonly createdAt: string;
  readonly durationMs: number;
  readonly settings: BenchSettings;
  readonly environment: BenchEnvironment;
  readonly images: BenchImages;
  readonly models: readonly BenchModel[];
  readonly cases: readonly CaseResult[];
}
