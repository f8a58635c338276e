// `edgeml bench` with the compiled module (edgeml compile) beside onnxruntime-web in one run, for
// real: the seeded cnn-tiny compiled in float32 and, without `edgeml quantize`, in int8 (so the
// package holds model.int8.wasm but no model.int8.onnx), benched in Node (edgeml-wasm), in workerd
// (worker vs worker-edgeml-wasm, wrangler dev) and in headless Chromium (chromium vs
// chromium-edgeml-wasm). Checked: the float32 rows give the same top-1 on every image on both
// runtimes and every host; the int8 module gives the same top-1 in Node, workerd and Chromium; the
// ORT rows of the missing int8 ONNX file are skipped rows naming it (they used to vanish); the
// compiled runtime's code is at most 1/10 of ORT's (gzip); the Worker's CPU per request is read for
// both runtimes; the side-by-side table is in report.md; a package without a compiled module gives
// skipped edgeml-wasm rows naming `edgeml compile`. No timing is asserted.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchReport, type OkCase, runBench, validateReport, writeBenchReport } from '@edgeml/bench';
import { main } from '@edgeml/cli';
import { exportModelPackage } from '@edgeml/optimizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixturePackage } from './support/fashion-fixture.js';

const SMALL = {
  images: 20,
  coldStarts: 1,
  warmupIterations: 3,
  minIterations: 10,
  maxIterations: 30,
  timeMs: 50,
  batchSizes: [1],
  concurrency: [1],
  concurrencyRequests: 8,
  concurrencyTimeMs: 2000,
} as const;

const TARGETS = ['edgeml-wasm', 'worker', 'worker-edgeml-wasm', 'chromium', 'chromium-edgeml-wasm'] as const;

describe('edgeml bench: onnxruntime-web and the compiled module side by side', () => {
  let dir: string;
  let pkgDir: string;
  let report: BenchReport;
  let md: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-bench-compiled-'));
    // model.onnx + model.wasm (the fixture compiles float32), then the int8 module calibrated by
    // edgeml compile itself: no model.int8.onnx in the package.
    pkgDir = await writeFixturePackage(dir);
    const int8 = ['compile', '--model', pkgDir, '--precision', 'int8', '--calib', '64', '--out', pkgDir];
    expect(await main(int8)).toBe(0);
  }, 300_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const row = (precision: string, target: string) => {
    const found = report.cases.find((c) => c.precision === precision && c.target === target);
    if (!found) throw new Error(`no ${precision} ${target} row`);
    return found;
  };
  const ok = (precision: string, target: string): OkCase => {
    const r = row(precision, target);
    expect({ precision, target, status: r.status, why: r.status === 'ok' ? '' : JSON.stringify(r) }).toEqual({
      precision,
      target,
      status: 'ok',
      why: '',
    });
    return r as OkCase;
  };

  it('runs both runtimes in Node, workerd and Chromium in one run; a missing int8 ONNX file is a skipped row', async () => {
    report = await runBench({
      models: [pkgDir],
      targets: [...TARGETS],
      precisions: ['float32', 'int8'],
      ...SMALL,
    });
    const files = await writeBenchReport(report, join(dir, 'report'));
    validateReport(JSON.parse(await readFile(files.json, 'utf8')));
    md = await readFile(files.markdown, 'utf8');
    // Every requested (precision, target) has a row, in order.
    expect(report.cases.map((c) => `${c.precision} ${c.target}`)).toEqual(
      ['float32', 'int8'].flatMap((p) => TARGETS.map((t) => `${p} ${t}`)),
    );

    // float32: the compiled module answers onnxruntime-web's top-1 on every image, on every host.
    const reference = ok('float32', 'worker').accuracy.predictions;
    expect(reference).toHaveLength(SMALL.images);
    for (const target of TARGETS) {
      const r = ok('float32', target);
      expect(r.accuracy.predictions).toEqual(reference);
      expect(r.latency.samples.endToEnd.length).toBeGreaterThanOrEqual(SMALL.minIterations);
      expect(r.coldStart.samples).toHaveLength(1);
    }
    // int8: no model.int8.onnx, so the ORT rows are skipped with the reason; the int8 module runs
    // and gives the same top-1 in Node, workerd and Chromium.
    for (const target of ['worker', 'chromium']) {
      const skipped = row('int8', target);
      expect(skipped.status).toBe('skipped');
      expect(skipped.status === 'skipped' && skipped.reason).toMatch(
        /has no onnx int8 model; it holds .*model\.int8\.wasm/,
      );
      expect(md).toContain(
        `| fashion-tiny | int8 | ${target} | skipped | model package 'fashion-tiny' has no onnx int8`,
      );
    }
    const int8Node = ok('int8', 'edgeml-wasm').accuracy.predictions;
    expect(ok('int8', 'worker-edgeml-wasm').accuracy.predictions).toEqual(int8Node);
    expect(ok('int8', 'chromium-edgeml-wasm').accuracy.predictions).toEqual(int8Node);
    expect(ok('int8', 'worker-edgeml-wasm').file.path).toBe('model.int8.wasm');

    // The compiled module alone (model.js in a fresh Node process): instantiation + first run.
    for (const precision of ['float32', 'int8']) {
      const alone = ok(precision, 'edgeml-wasm').moduleColdStart;
      expect(alone?.samples).toHaveLength(SMALL.coldStarts);
      expect(alone?.total.p50).toBeGreaterThan(0);
      expect(alone?.cpu.p50).toBeGreaterThan(0);
      expect(alone?.how).toContain(precision === 'int8' ? 'model.int8.js' : 'model.js');
    }
    // Runtime code apart from the weights, side by side: the compiled module's is at most 1/10 of ORT's.
    for (const [ort, compiled] of [
      ['worker', 'worker-edgeml-wasm'],
      ['chromium', 'chromium-edgeml-wasm'],
    ] as const) {
      const a = ok('float32', ort).runtimeCode;
      const b = ok('float32', compiled).runtimeCode;
      expect(a?.gzipBytes).toBeGreaterThan(1024 * 1024);
      expect(b?.counts).toMatch(/without its weights/);
      expect((b?.gzipBytes ?? Infinity) * 10).toBeLessThanOrEqual(a?.gzipBytes ?? 0);
      // The weights are not counted: the compiled code is smaller than the module file itself.
      expect(b?.bytes).toBeLessThan(ok('float32', compiled).file.bytes + 512 * 1024);
    }
    // The Worker's CPU per request, on both runtimes: the fresh workerd's first request and warm ones.
    for (const target of ['worker', 'worker-edgeml-wasm']) {
      const cpu = ok('float32', target).cpu;
      expect(cpu?.coldMs).toHaveLength(1);
      expect(cpu?.coldMs[0]).toBeGreaterThan(0);
      expect(cpu?.warm.n).toBeGreaterThan(10);
    }
    expect(ok('float32', 'worker-edgeml-wasm').backend).toMatch(/edgeml-wasm: model\.wasm/);
    expect(ok('float32', 'chromium-edgeml-wasm').backend).toMatch(/edgeml-wasm in the page/);
    // The side-by-side table, with each compiled row's ratio to its ORT peer.
    expect(md).toMatch(/## onnxruntime-web vs the compiled module \(edgeml-wasm\), side by side/);
    expect(md).toMatch(
      /\| fashion-tiny \| float32 \| worker-edgeml-wasm \| [\d.]+ KiB \| [\d.]+ KiB \| 1\/\d+ \|/,
    );
    expect(md).toMatch(
      /\| fashion-tiny \| float32 \| chromium-edgeml-wasm \| [\d.]+ KiB \| [\d.]+ KiB \| 1\/\d+ \|/,
    );
  }, 420_000);

  it('a package without a compiled module gives skipped edgeml-wasm rows naming edgeml compile', async () => {
    const onnxOnly = join(dir, 'onnx-only');
    await exportModelPackage(join(dir, 'trained'), onnxOnly, { formats: ['onnx'], toolVersion: 'test' });
    const skipped = await runBench({
      models: [onnxOnly],
      targets: ['edgeml-wasm', 'worker-edgeml-wasm', 'chromium-edgeml-wasm'],
      precisions: ['float32', 'int8'],
      ...SMALL,
    });
    expect(skipped.cases).toHaveLength(6);
    for (const c of skipped.cases) {
      expect(c.status).toBe('skipped');
      const flag = c.precision === 'int8' ? ' --precision int8' : '';
      const reason = c.status === 'skipped' ? c.reason : '';
      expect(reason).toMatch(
        new RegExp(`has no wasm ${c.precision} model; it holds .*model\\.onnx \\(onnx, float32\\)`),
      );
      expect(reason).toContain(
        `no ${c.precision} module compiled by edgeml compile (\`edgeml compile --model ${onnxOnly}${flag} --out ${onnxOnly}\` writes it`,
      );
    }
  }, 120_000);
});
