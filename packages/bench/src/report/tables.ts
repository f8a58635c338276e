/**
 * The report's tables as plain data (title, header, rows of strings), shared by report.md, the
 * HTML report and the CLI's printed output.
 */
import type { BenchReport, CaseResult, OkCase } from './types.js';

/** One table of the report. */
export interface ReportTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Milliseconds with 3 significant digits ('0.412', '12.3', '1530'). */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

/** Bytes as KiB or MiB. */
export function bytes(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  return `${(value / 1024).toFixed(1)} KiB`;
}

/** A share as a percentage with 2 decimals. */
export function percent(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(2)}%`;
}

const rate = (value: number | undefined) =>
  value === undefined ? '-' : value >= 100 ? value.toFixed(0) : value.toFixed(1);

const okRows = (report: BenchReport): OkCase[] => report.cases.filter((c): c is OkCase => c.status === 'ok');
const keyOf = (c: CaseResult) => [c.model, c.precision, c.target];

/** Every table of a report, most important first. */
export function reportTables(report: BenchReport): ReportTable[] {
  const ok = okRows(report);
  const tables: ReportTable[] = [
    {
      title:
        'Summary (latency in ms: batch 1, end to end from PNG bytes. Two throughputs: sequential = those end-to-end calls one after another, batch 1; batched = inference alone on preprocessed tensors, at the fastest batch size)',
      header: [
        'model',
        'precision',
        'target',
        'status',
        'cold start p50',
        'p50',
        'p90',
        'p99',
        'infer p50',
        'sequential img/s (e2e, b=1)',
        'batched img/s (inference, best b)',
        'peak RSS',
        'file (gzip)',
        'accuracy',
        'agreement',
      ],
      rows: report.cases.map((c) =>
        c.status !== 'ok'
          ? [...keyOf(c), c.status, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-']
          : [
              ...keyOf(c),
              'ok',
              ms(c.coldStart.total.p50),
              ms(c.latency.endToEnd.p50),
              ms(c.latency.endToEnd.p90),
              ms(c.latency.endToEnd.p99),
              ms(c.latency.inference.p50),
              rate(c.throughput.sequentialImagesPerSecond),
              c.throughput.bestBatch
                ? `${rate(c.throughput.bestBatch.imagesPerSecond)} (b=${c.throughput.bestBatch.batchSize})`
                : '-',
              bytes(c.memory.rssPeakBytes),
              `${bytes(c.file.bytes)} (${bytes(c.file.gzipBytes)})`,
              percent(c.accuracy.accuracy),
              percent(c.accuracy.agreement),
            ],
      ),
    },
    {
      title: 'Latency, batch 1 (ms): end to end | inference alone',
      header: [
        'model',
        'precision',
        'target',
        'n',
        'e2e mean',
        'e2e sd',
        'e2e min',
        'e2e max',
        'inf p50',
        'inf p90',
        'inf p99',
        'inf mean',
        'inf sd',
        'inf min',
        'inf max',
      ],
      rows: ok.map((c) => {
        const e = c.latency.endToEnd;
        const i = c.latency.inference;
        return [
          ...keyOf(c),
          String(e.n),
          ms(e.mean),
          ms(e.sd),
          ms(e.min),
          ms(e.max),
          ms(i.p50),
          ms(i.p90),
          ms(i.p99),
          ms(i.mean),
          ms(i.sd),
          ms(i.min),
          ms(i.max),
        ];
      }),
    },
    {
      title: 'Cold start (ms, median of fresh processes; Worker: wrangler dev spawn)',
      header: [
        'model',
        'precision',
        'target',
        'runs',
        'import',
        'create',
        'ready',
        'first inference',
        'total p50',
        'total min',
        'total max',
      ],
      rows: ok.map((c) => {
        const median = (key: 'import' | 'create' | 'ready' | 'firstInference') => {
          const values = c.coldStart.samples
            .map((s) => s[key])
            .filter((v): v is number => v !== undefined)
            .sort((a, b) => a - b);
          return values.length === 0 ? undefined : values[Math.floor((values.length - 1) / 2)];
        };
        return [
          ...keyOf(c),
          String(c.coldStart.samples.length),
          ms(median('import')),
          ms(median('create')),
          ms(median('ready')),
          ms(median('firstInference')),
          ms(c.coldStart.total.p50),
          ms(c.coldStart.total.min),
          ms(c.coldStart.total.max),
        ];
      }),
    },
    {
      title: 'Throughput and memory',
      header: [
        'model',
        'precision',
        'target',
        'inference img/s by batch size (preprocessed tensors)',
        'heap peak',
        'wasm memory',
        'memory source',
      ],
      rows: ok.map((c) => [
        ...keyOf(c),
        c.throughput.batches?.map((b) => `b=${b.batchSize}: ${rate(b.imagesPerSecond)}`).join(', ') ||
          (c.throughput.batchNote ?? '-'),
        bytes(c.memory.heapUsedPeakBytes),
        bytes(c.memory.wasmMemoryBytes),
        c.memory.source,
      ]),
    },
  ];
  const concurrent = ok.flatMap((c) =>
    (c.throughput.concurrency ?? []).map((k) => [
      ...keyOf(c),
      String(k.clients),
      String(k.requests),
      String(k.failures),
      rate(k.requestsPerSecond),
      ms(k.latency.p50),
      ms(k.latency.p90),
      ms(k.latency.p99),
    ]),
  );
  if (concurrent.length > 0) {
    tables.push({
      title: 'Worker under concurrency (parallel HTTP clients on 127.0.0.1)',
      header: [
        'model',
        'precision',
        'target',
        'clients',
        'requests',
        'failures',
        'req/s',
        'p50',
        'p90',
        'p99',
      ],
      rows: concurrent,
    });
  }
  const sideBySide = runtimeTable(report);
  if (sideBySide) tables.push(sideBySide);
  const cpu = ok.filter((c) => c.cpu !== undefined);
  if (cpu.length > 0) {
    tables.push({
      title:
        "Worker CPU time per request (ms, workerd's own CPU from /proc, idle baseline subtracted; limits: 10 ms per request on the free plan, 1 s startup)",
      header: [
        'model',
        'precision',
        'target',
        'cold CPU',
        'cold wall',
        'warm CPU p50',
        'warm CPU p99',
        'warm wall p50',
        'health CPU p50 (no model work)',
        'workerd startup CPU',
        'fits plan',
        'flags',
      ],
      rows: cpu.map((c) => {
        const u = c.cpu as NonNullable<OkCase['cpu']>;
        const median = (values: readonly number[]) => {
          const sorted = [...values].sort((a, b) => a - b);
          return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
        };
        return [
          ...keyOf(c),
          ms(median(u.coldMs)),
          ms(median(u.coldWallMs)),
          ms(u.warm.p50),
          ms(u.warm.p99),
          ms(median(u.warmWallSamples)),
          ms(u.floor.p50),
          ms(median(u.startupMs)),
          u.plan,
          u.flags.join('; ') || '-',
        ];
      }),
    });
  }
  const loaded = ok.filter((c) => c.load !== undefined);
  if (loaded.length > 0) {
    const isolate = (h: { usedBytes: number; backingStorageBytes: number } | null | undefined) =>
      h ? bytes(h.usedBytes + h.backingStorageBytes) : 'not read';
    const signed = (b: number) => `${b < 0 ? '-' : '+'}${bytes(Math.abs(b))}`;
    tables.push({
      title:
        'Worker under load (concurrent clients on 127.0.0.1, back to back; good answers checked against onnxruntime-node; latency of the good requests in ms; isolate = JS heap after a GC + ArrayBuffers, through the inspector)',
      header: [
        'model',
        'precision',
        'target',
        'phase',
        'clients',
        's',
        'requests (good/hostile)',
        'errors',
        'wrong answers',
        'req/s',
        'good/s',
        'p50',
        'p99',
        'isolate start → end',
        'isolate growth vs bound',
        'workerd RSS growth',
      ],
      rows: loaded.flatMap((c) => {
        const l = c.load as NonNullable<OkCase['load']>;
        const verdict = `${signed(l.growthBytes)} of ${bytes(l.memoryBoundBytes)}: ${l.withinBound ? 'within' : 'EXCEEDED'}${l.growthMeasure === 'hosting workerd RSS' ? ' (workerd RSS)' : ''}`;
        return l.phases.map((p, i) => [
          ...keyOf(c),
          p.phase,
          String(p.clients),
          p.seconds.toFixed(1),
          `${p.requests} (${p.good}/${p.hostile})`,
          String(p.errors),
          String(p.wrong),
          rate(p.requestsPerSecond),
          rate(p.goodPerSecond),
          ms(p.latency.p50),
          ms(p.latency.p99),
          `${isolate(l.isolateHeap[i])} → ${isolate(l.isolateHeap[i + 1])}`,
          verdict,
          signed(p.rss.endBytes - p.rss.startBytes),
        ]);
      }),
    });
  }
  const notOk = report.cases.filter((c) => c.status !== 'ok');
  if (notOk.length > 0) {
    tables.push({
      title: 'Skipped and errored',
      header: ['model', 'precision', 'target', 'status', 'reason'],
      rows: notOk.map((c) => [
        ...keyOf(c),
        c.status,
        c.status === 'skipped' ? c.reason : `${c.code ? `${c.code}: ` : ''}${c.message.split('\n')[0]}`,
      ]),
    });
  }
  tables.push({
    title: 'Backends',
    header: ['model', 'precision', 'target', 'backend'],
    rows: ok.map((c) => [...keyOf(c), c.backend]),
  });
  return tables;
}

/** The onnxruntime-web row each compiled-module target is compared with (same host, same precision). */
export const ORT_PEER: Readonly<Record<string, string>> = {
  'edgeml-wasm': 'ort-web',
  'worker-edgeml-wasm': 'worker',
  'chromium-edgeml-wasm': 'chromium',
};

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};

/**
 * Cold start as "module instantiation + first inference": the create phase (read the package,
 * compile and instantiate the Wasm, one check run) plus the first classification, median over the
 * fresh processes; the Worker has no separate create phase: its first request (fresh workerd)
 * instantiates the modules and classifies.
 */
export function instantiateAndFirstInference(c: OkCase): number | undefined {
  return median(c.coldStart.samples.map((s) => (s.create ?? 0) + s.firstInference));
}

/**
 * "Is the compiled module worth it?": every row that measured its runtime code (ort-web and
 * edgeml-wasm, in Node, the Worker and Chromium), with the ratio of edgeml-wasm's gzip size to its
 * onnxruntime-web peer's, cold start, warm batch-1 latency and the Worker's CPU per request.
 */
function runtimeTable(report: BenchReport): ReportTable | undefined {
  const rows = report.cases.filter((c): c is OkCase => c.status === 'ok' && c.runtimeCode !== undefined);
  if (rows.length === 0) return undefined;
  const peerOf = (c: OkCase) => {
    const peer = ORT_PEER[c.target];
    return peer === undefined
      ? undefined
      : rows.find((p) => p.model === c.model && p.precision === c.precision && p.target === peer);
  };
  return {
    title:
      'onnxruntime-web vs the compiled module (edgeml-wasm), side by side: runtime code = everything shipped but the weights (gzip -9 for Node, gzip for the page and the Worker upload); cold start = module instantiation + first inference through the Classifier (create: read the package, compile + instantiate, check run; then classify a PNG; the Worker: first request to a fresh workerd), and for the compiled module in Node also model.js alone (fresh process, load(bytes) + one run()); warm latency batch 1 in ms; Worker CPU per request from /proc',
    header: [
      'model',
      'precision',
      'target',
      'runtime code',
      'gzip',
      'gzip vs ort-web',
      'instantiate + first inference p50',
      'model.js alone: instantiate + first run p50 (CPU p50)',
      'infer p50',
      'infer p99',
      'e2e p50',
      'e2e p99',
      'Worker first-request CPU',
      'Worker warm CPU p50',
      'counted',
    ],
    rows: rows.map((c) => {
      const code = c.runtimeCode as NonNullable<OkCase['runtimeCode']>;
      const peer = peerOf(c)?.runtimeCode;
      return [
        ...keyOf(c),
        bytes(code.bytes),
        bytes(code.gzipBytes),
        peer ? `1/${(peer.gzipBytes / Math.max(code.gzipBytes, 1)).toFixed(0)}` : '-',
        ms(instantiateAndFirstInference(c)),
        c.moduleColdStart ? `${ms(c.moduleColdStart.total.p50)} (${ms(c.moduleColdStart.cpu.p50)})` : '-',
        ms(c.latency.inference.p50),
        ms(c.latency.inference.p99),
        ms(c.latency.endToEnd.p50),
        ms(c.latency.endToEnd.p99),
        c.cpu ? ms(median(c.cpu.coldMs)) : '-',
        c.cpu ? ms(c.cpu.warm.p50) : '-',
        code.counts,
      ];
    }),
  };
}

/** The environment as label/value lines. */
export function environmentLines(report: BenchReport): string[] {
  const e = report.environment;
  const load = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(' ');
  return [
    `CPU: ${e.cpuModel}, ${e.cores} cores, ${bytes(e.totalMemoryBytes)} RAM, ${e.platform}/${e.arch}`,
    `load average (1/5/15 min): start ${load(e.loadAverage.start)}, end ${load(e.loadAverage.end)}`,
    `versions: ${Object.entries(e.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...Object.entries(e.wasm).map(([k, v]) => `wasm ${k}: ${v}`),
    `images: ${report.images.dataset} ${report.images.split}, ${report.images.selection}`,
    `settings: ${report.settings.coldStarts} cold starts; ${report.settings.warmupIterations} warm-up, then ${report.settings.minIterations}-${report.settings.maxIterations} iterations over >= ${report.settings.timeMs} ms; batches ${report.settings.batchSizes.join('/')}; Worker clients ${report.settings.concurrency.join('/')} (<= ${report.settings.concurrencyRequests} requests, <= ${report.settings.concurrencyTimeMs} ms each)${report.settings.workerLoadSeconds ? `; Worker load test ${report.settings.workerLoadClients ?? '?'} clients, ${report.settings.workerLoadSeconds} s per phase` : ''}`,
  ];
}
