import { describe, expect, it } from 'vitest';
import { withAgreement } from '../run/agreement.js';
import { missingModelFileReason } from '../run/run-bench.js';
import { summarize } from '../stats/summary.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { reportTables } from './tables.js';
import type { BenchReport, CaseResult, OkCase } from './types.js';
import { reportProblems, validateReport } from './validate.js';

function okCase(
  target: string,
  precision: 'float32' | 'int8',
  latency: number[],
  predictions: number[],
): OkCase {
  return {
    model: 'tiny',
    precision,
    target,
    status: 'ok',
    backend: `${target} backend`,
    file: { path: 'model.onnx', bytes: 1000, gzipBytes: 800 },
    coldStart: { samples: [{ import: 10, create: 5, firstInference: 1, total: 40 }], total: summarize([40]) },
    latency: {
      warmupIterations: 2,
      samples: {
        endToEnd: latency,
        inference: latency.map((v) => v / 2),
        decode: latency.map(() => 0.01),
        preprocess: latency.map(() => 0.02),
      },
      endToEnd: summarize(latency),
      inference: summarize(latency.map((v) => v / 2)),
    },
    throughput: {
      sequentialImagesPerSecond: 100,
      batches: [{ batchSize: 8, runs: 3, seconds: 0.1, imagesPerSecond: 240 }],
      bestBatch: { batchSize: 8, runs: 3, seconds: 0.1, imagesPerSecond: 240 },
    },
    memory: { source: 'node process', rssPeakBytes: 100 << 20, heapUsedPeakBytes: 10 << 20 },
    accuracy: {
      images: 4,
      correct: predictions.filter((p, i) => p === [0, 1, 2, 3][i]).length,
      accuracy: 0,
      predictions,
    },
  };
}

function sampleReport(cases: CaseResult[]): BenchReport {
  return {
    reportVersion: 1,
    createdAt: new Date(0).toISOString(),
    durationMs: 1234,
    settings: {
      coldStarts: 1,
      warmupIterations: 2,
      minIterations: 3,
      maxIterations: 10,
      timeMs: 0,
      batchSizes: [1, 8],
      concurrency: [1],
      concurrencyRequests: 5,
      concurrencyTimeMs: 100,
    },
    environment: {
      cpuModel: 'cpu',
      cores: 2,
      loadAverage: { start: [1, 1, 1], end: [2, 2, 2] },
      totalMemoryBytes: 1 << 30,
      platform: 'linux',
      arch: 'x64',
      versions: { node: '20' },
      wasm: {},
    },
    images: {
      dataset: 'fashion-mnist',
      split: 'test',
      selection: 'first 4',
      indices: [0, 1, 2, 3],
      labels: [0, 1, 2, 3],
    },
    models: [
      {
        name: 'tiny',
        dir: '/tmp/tiny',
        manifestSha256: 'a'.repeat(64),
        files: [{ path: 'model.onnx', format: 'onnx', precision: 'float32', bytes: 1000, gzipBytes: 800 }],
      },
    ],
    cases: withAgreement(cases),
  };
}

const cases: CaseResult[] = [
  okCase('ort-web', 'float32', [1, 2, 3, 4, 5], [0, 1, 2, 0]),
  okCase('ort-node', 'float32', [0.5, 0.6, 0.7], [0, 1, 2, 3]),
  okCase('ort-node', 'int8', [0.4, 0.5], [0, 1, 0, 3]),
  { model: 'tiny', precision: 'float32', target: 'chromium', status: 'skipped', reason: 'no Chromium' },
  {
    model: 'tiny',
    precision: 'float32',
    target: 'worker',
    status: 'errored',
    message: 'wrangler died',
    code: 'BACKEND_UNAVAILABLE',
  },
];

describe('bench report', () => {
  it('puts each compiled-module row beside its onnxruntime-web peer, with the gzip ratio and both cold starts', () => {
    const withCode = (target: string, gzipBytes: number, extra: Partial<OkCase> = {}): OkCase => ({
      ...okCase(target, 'int8', [1, 2, 3], [0, 1, 2, 3]),
      runtimeCode: { bytes: gzipBytes * 3, gzipBytes, counts: `${target} code` },
      ...extra,
    });
    const report = sampleReport([
      withCode('worker', 3_600_000),
      withCode('worker-edgeml-wasm', 46_000, {
        moduleColdStart: {
          how: 'fresh',
          samples: [{ instantiate: 2, firstRun: 0.5, cpu: 3 }],
          total: summarize([2.5]),
          cpu: summarize([3]),
        },
      }),
      okCase('ort-node', 'int8', [1], [0, 1, 2, 3]),
    ]);
    validateReport(JSON.parse(JSON.stringify(report)));
    const table = reportTables(report).find((t) =>
      t.title.startsWith('onnxruntime-web vs the compiled module'),
    );
    expect(table?.rows.map((r) => r.slice(2, 8))).toEqual([
      // create 5 + first inference 1 = 6 ms; model.js alone 2.5 ms; 3,600,000 / 46,000 = 78.3.
      ['worker', '10.3 MiB', '3.4 MiB', '-', '6.00', '-'],
      ['worker-edgeml-wasm', '134.8 KiB', '44.9 KiB', '1/78', '6.00', '2.50 (3.00)'],
    ]);
    expect(renderMarkdown(report)).toContain(
      '| tiny | int8 | worker-edgeml-wasm | 134.8 KiB | 44.9 KiB | 1/78 |',
    );
  });

  it('says which file a target lacks at a precision, and for a compiled module how to write it', () => {
    const manifest = {
      name: 'tiny',
      files: [
        { path: 'model.onnx', format: 'onnx', precision: 'float32', role: 'model', bytes: 1, sha256: 'a' },
        { path: 'model.int8.wasm', format: 'wasm', precision: 'int8', role: 'model', bytes: 1, sha256: 'b' },
      ],
    } as unknown as Parameters<typeof missingModelFileReason>[0];
    expect(missingModelFileReason(manifest, '/p', { format: 'onnx' }, 'float32')).toBeUndefined();
    expect(missingModelFileReason(manifest, '/p', { format: 'onnx' }, 'int8')).toBe(
      "model package 'tiny' has no onnx int8 model; it holds model.onnx (onnx, float32), model.int8.wasm (wasm, int8)",
    );
    expect(missingModelFileReason(manifest, '/p', { format: 'wasm' }, 'float32')).toMatch(
      /has no wasm float32 model; .*: no float32 module compiled by edgeml compile \(`edgeml compile --model \/p --out \/p` writes it/,
    );
  });

  it('measures agreement against the float32 ort-node row', () => {
    const rows = withAgreement(cases).filter((c): c is OkCase => c.status === 'ok');
    expect(rows.map((r) => [r.target, r.precision, r.accuracy.agreement, r.accuracy.reference])).toEqual([
      ['ort-web', 'float32', 0.75, 'float32 ort-node'],
      ['ort-node', 'float32', 1, 'float32 ort-node'],
      ['ort-node', 'int8', 0.75, 'float32 ort-node'],
    ]);
  });

  it('validates against its schema and names the path of a problem', () => {
    const report = sampleReport(cases);
    expect(reportProblems(JSON.parse(JSON.stringify(report)))).toEqual([]);
    const broken = JSON.parse(JSON.stringify(report));
    delete broken.cases[1].latency.endToEnd.p99;
    broken.environment.cores = 0;
    const problems = reportProblems(broken);
    expect(problems).toContain('/environment/cores must be >= 1');
    expect(problems.some((p) => p.startsWith('/cases/1'))).toBe(true);
    expect(() => validateReport(broken)).toThrow(/bench report does not match its schema/);
  });

  it('renders Markdown tables and a self-contained HTML page with its charts', async () => {
    const report = sampleReport(cases);
    const md = renderMarkdown(report);
    expect(md).toContain('| tiny | float32 | ort-node | ok |');
    expect(md).toContain('| tiny | float32 | chromium | skipped | no Chromium |');
    // The two throughputs say which is which: end to end one at a time, or inference alone batched.
    expect(md).toContain('| sequential img/s (e2e, b=1) | batched img/s (inference, best b) |');
    expect(md).toContain('| 100 | 240 (b=8) |');
    expect(md).toContain('inference img/s by batch size (preprocessed tensors)');
    const html = await renderHtml(report);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<svg /g)).toHaveLength(4);
    // One item per ok case in each chart's named mark: 3 boxes × (end to end, inference), 3 points,
    // and 3 cases × (import, create, first inference, the rest) cold-start segments.
    const items = (mark: string) =>
      html
        .match(new RegExp(`<g class="[^"]*\\b${mark}_marks"[^>]*>(.*?)</g>`, 'g'))
        ?.join('')
        .match(/<path /g)?.length;
    expect(items('box')).toBe(6);
    expect(items('point')).toBe(3);
    expect(items('bar')).toBe(12);
  });
});
