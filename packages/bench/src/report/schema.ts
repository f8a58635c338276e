/**
 * The JSON Schema (draft-07) of report.json. Every object is closed (`additionalProperties: false`)
 * except `extra` and the environment's version maps, so a typo or a dropped field fails validation.
 */
const num = { type: 'number' } as const;
const nonNeg = { type: 'number', minimum: 0 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const numbers = { type: 'array', items: num } as const;

function closed(properties: Record<string, unknown>, optional: readonly string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  } as const;
}

const summary = closed({
  n: { type: 'integer', minimum: 1 },
  mean: num,
  sd: nonNeg,
  min: num,
  max: num,
  p50: num,
  p90: num,
  p99: num,
});
const caseFile = closed({ path: str, bytes: count, gzipBytes: count });
const batch = closed({
  batchSize: { type: 'integer', minimum: 1 },
  runs: count,
  seconds: nonNeg,
  imagesPerSecond: nonNeg,
});
const loadPhase = closed({
  phase: str,
  clients: { type: 'integer', minimum: 1 },
  seconds: nonNeg,
  requests: count,
  good: count,
  hostile: count,
  errors: count,
  wrong: count,
  errorSamples: { type: 'array', items: str },
  requestsPerSecond: nonNeg,
  goodPerSecond: nonNeg,
  latency: summary,
  rss: closed({ startBytes: count, peakBytes: count, endBytes: count }),
});
const key = {
  model: str,
  precision: { enum: ['float32', 'int8'] },
  target: { type: 'string', minLength: 1 },
};

const okCase = closed(
  {
    ...key,
    status: { const: 'ok' },
    backend: str,
    file: caseFile,
    coldStart: closed({
      samples: {
        type: 'array',
        minItems: 1,
        items: closed(
          { import: nonNeg, create: nonNeg, ready: nonNeg, firstInference: nonNeg, total: nonNeg },
          ['import', 'create', 'ready'],
        ),
      },
      total: summary,
    }),
    latency: closed({
      warmupIterations: count,
      samples: closed({ endToEnd: numbers, inference: numbers, decode: numbers, preprocess: numbers }),
      endToEnd: summary,
      inference: summary,
    }),
    throughput: closed(
      {
        sequentialImagesPerSecond: nonNeg,
        batches: { type: 'array', items: batch },
        bestBatch: batch,
        batchNote: str,
        concurrency: {
          type: 'array',
          items: closed({
            clients: { type: 'integer', minimum: 1 },
            requests: count,
            failures: count,
            seconds: nonNeg,
            requestsPerSecond: nonNeg,
            latencySamples: numbers,
            latency: summary,
          }),
        },
      },
      ['batches', 'bestBatch', 'batchNote', 'concurrency'],
    ),
    memory: closed({ source: str, rssPeakBytes: count, heapUsedPeakBytes: count, wasmMemoryBytes: count }, [
      'heapUsedPeakBytes',
      'wasmMemoryBytes',
    ]),
    accuracy: closed(
      {
        images: count,
        correct: count,
        accuracy: { type: 'number', minimum: 0, maximum: 1 },
        predictions: { type: 'array', items: { type: 'integer' } },
        agreement: { type: 'number', minimum: 0, maximum: 1 },
        reference: str,
      },
      ['agreement', 'reference'],
    ),
    runtimeCode: closed({ bytes: count, gzipBytes: count, counts: str }),
    moduleColdStart: closed({
      how: str,
      samples: {
        type: 'array',
        minItems: 1,
        items: closed({ instantiate: nonNeg, firstRun: nonNeg, cpu: nonNeg }),
      },
      total: summary,
      cpu: summary,
    }),
    cpu: closed({
      source: str,
      idleMsPerSecond: nonNeg,
      startupMs: numbers,
      coldMs: numbers,
      coldWallMs: numbers,
      warmSamples: numbers,
      warmWallSamples: numbers,
      warm: summary,
      floor: summary,
      plan: { enum: ['free', 'paid', 'none'] },
      flags: { type: 'array', items: str },
    }),
    load: closed({
      clients: { type: 'integer', minimum: 1 },
      secondsPerPhase: nonNeg,
      hostileEvery: count,
      tolerance: nonNeg,
      hostileRequests: { type: 'array', items: closed({ name: str, status: { type: 'integer' } }) },
      phases: { type: 'array', minItems: 1, items: loadPhase },
      isolateHeap: {
        type: 'array',
        items: {
          oneOf: [
            { type: 'null' },
            closed({ usedBytes: count, totalBytes: count, backingStorageBytes: count }),
          ],
        },
      },
      growthMeasure: { enum: ['isolate heap + backing stores', 'hosting workerd RSS'] },
      growthBytes: num,
      memoryBoundBytes: count,
      withinBound: { type: 'boolean' },
      workerdRssGrowthBytes: num,
      proxyRssEndBytes: count,
      threads: closed({ start: count, end: count }),
    }),
    extra: { type: 'object' },
  },
  ['runtimeCode', 'moduleColdStart', 'cpu', 'load', 'extra'],
);

const skippedCase = closed({
  ...key,
  status: { const: 'skipped' },
  reason: { type: 'string', minLength: 1 },
});
const erroredCase = closed(
  { ...key, status: { const: 'errored' }, message: { type: 'string', minLength: 1 }, code: str },
  ['code'],
);

/** JSON Schema of report.json (draft-07). */
export const BENCH_REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://edgeml.dev/schemas/bench-report-v1.json',
  title: 'edgeml bench report',
  ...closed({
    reportVersion: { const: 1 },
    createdAt: { type: 'string', format: 'date-time' },
    durationMs: nonNeg,
    settings: closed(
      {
        coldStarts: { type: 'integer', minimum: 1 },
        warmupIterations: count,
        minIterations: { type: 'integer', minimum: 1 },
        maxIterations: { type: 'integer', minimum: 1 },
        timeMs: nonNeg,
        batchSizes: { type: 'array', items: { type: 'integer', minimum: 1 } },
        concurrency: { type: 'array', items: { type: 'integer', minimum: 1 } },
        concurrencyRequests: { type: 'integer', minimum: 1 },
        concurrencyTimeMs: nonNeg,
        workerLoadSeconds: count,
        workerLoadClients: { type: 'integer', minimum: 1 },
      },
      ['workerLoadSeconds', 'workerLoadClients'],
    ),
    environment: closed({
      cpuModel: str,
      cores: { type: 'integer', minimum: 1 },
      loadAverage: closed({ start: numbers, end: numbers }),
      totalMemoryBytes: count,
      platform: str,
      arch: str,
      versions: { type: 'object', additionalProperties: str },
      wasm: { type: 'object', additionalProperties: str },
    }),
    images: closed({
      dataset: str,
      split: str,
      selection: str,
      indices: { type: 'array', items: count },
      labels: { type: 'array', items: count },
    }),
    models: {
      type: 'array',
      items: closed({
        name: str,
        dir: str,
        manifestSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        files: {
          type: 'array',
          items: closed({ path: str, bytes: count, gzipBytes: count, format: str, precision: str }),
        },
      }),
    },
    cases: { type: 'array', items: { oneOf: [okCase, skippedCase, erroredCase] } },
  }),
} as const;
