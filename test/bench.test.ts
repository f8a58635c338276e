// The benchmark harness end to end on a real (seeded cnn-tiny) model package: every built-in
// target that can run here (onnxruntime-node, onnxruntime-web wasm, tfjs-tflite, TF.js wasm/cpu,
// the Worker under wrangler dev, Chromium) plus one case whose process is killed mid-run, which
// must become an errored row while the others finish; the report validates against its schema;
// report.html is opened in Chromium and its SVG charts counted. Chromium is never skipped: the
// bench finds Debian's or the npm one (support/chromium.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  type BenchReport,
  createRuntimeTarget,
  type OkCase,
  runBench,
  validateReport,
  writeBenchReport,
} from '@edgeml/bench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/chromium.js';
import { writeFixturePackage } from './support/fashion-fixture.js';

const root = resolve(import.meta.dirname, '..');

const TINY = {
  images: 40,
  coldStarts: 1,
  warmupIterations: 3,
  minIterations: 10,
  maxIterations: 40,
  timeMs: 100,
  batchSizes: [1, 8],
  concurrency: [1, 4],
  concurrencyRequests: 24,
  concurrencyTimeMs: 3000,
} as const;

describe('edgeml bench', () => {
  let dir: string;
  let pkgDir: string;
  let report: BenchReport;
  let outDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-bench-'));
    pkgDir = await writeFixturePackage(dir);
    outDir = join(dir, 'report');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every available target; a case killed mid-run is an errored row; the report validates', async () => {
    report = await runBench({
      models: [pkgDir],
      targets: [
        'ort-node',
        // A real ort-web case process, killed 300 ms after it started (mid-run).
        createRuntimeTarget('ort-web', { processTimeoutMs: 300, name: 'ort-web-killed' }),
        'ort-web',
        'tflite',
        'tfjs-wasm',
        'tfjs-cpu',
        'worker',
        'chromium',
      ],
      // The fixture has no int8 file: int8 would be skipped rows (test/bench-compiled.test.ts checks those).
      precisions: ['float32'],
      ...TINY,
    });
    const files = await writeBenchReport(report, outDir);
    const json = validateReport(JSON.parse(await readFile(files.json, 'utf8')));
    expect(json.cases.map((c) => c.target)).toEqual([
      'ort-node',
      'ort-web-killed',
      'ort-web',
      'tflite',
      'tfjs-wasm',
      'tfjs-cpu',
      'worker',
      'chromium',
    ]);
    const byTarget = new Map(json.cases.map((c) => [c.target, c]));
    const killed = byTarget.get('ort-web-killed');
    expect(killed).toMatchObject({
      status: 'errored',
      message: expect.stringMatching(/killed after 300 ms/),
    });
    for (const target of ['ort-node', 'ort-web', 'tflite', 'tfjs-wasm', 'tfjs-cpu', 'worker', 'chromium']) {
      const row = byTarget.get(target);
      expect({ target, status: row?.status, why: row?.status === 'errored' ? row.message : '' }).toEqual({
        target,
        status: 'ok',
        why: '',
      });
      const ok = row as OkCase;
      expect(ok.latency.samples.endToEnd.length).toBeGreaterThanOrEqual(TINY.minIterations);
      expect(ok.latency.samples.endToEnd.length).toBeLessThanOrEqual(TINY.maxIterations);
      expect(ok.latency.endToEnd.p50).toBeGreaterThan(0);
      expect(ok.latency.inference.p50).toBeLessThanOrEqual(ok.latency.endToEnd.p99);
      expect(ok.coldStart.samples).toHaveLength(1);
      expect(ok.memory.rssPeakBytes).toBeGreaterThan(1 << 20);
      expect(ok.accuracy.images).toBe(TINY.images);
      // Same preprocessing everywhere: every runtime agrees with onnxruntime-node on top-1.
      expect(ok.accuracy.agreement).toBe(1);
      expect(ok.file.gzipBytes).toBeGreaterThan(0);
    }
    const worker = byTarget.get('worker') as OkCase;
    expect(worker.throughput.concurrency?.map((k) => k.clients)).toEqual([1, 4]);
    expect(worker.throughput.concurrency?.every((k) => k.failures === 0 && k.requests > 0)).toBe(true);
    expect((byTarget.get('ort-node') as OkCase).throughput.bestBatch?.batchSize).toBeGreaterThan(0);
    expect((byTarget.get('ort-web') as OkCase).memory.wasmMemoryBytes).toBeGreaterThan(0);
    expect(json.environment.versions).toHaveProperty('onnxruntime-node');
    expect(json.environment.versions).toHaveProperty('workerd');
    const md = await readFile(files.markdown, 'utf8');
    expect(md).toMatch(/\| fashion-tiny \| float32 \| ort-web-killed \| errored \|/);
  }, 300_000);

  it('prints the tables from the CLI with its progress and writes the three files', async () => {
    const cliOut = join(dir, 'cli-report');
    const { stdout, stderr } = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsx'),
      [
        'packages/cli/src/bin.ts',
        'bench',
        '--models',
        pkgDir,
        '--targets',
        'ort-node,chromium',
        '--out',
        cliOut,
        '--images',
        '20',
        '--cold-starts',
        '1',
        '--warmup',
        '2',
        '--min-iterations',
        '5',
        '--max-iterations',
        '20',
        '--time-ms',
        '50',
        '--batches',
        '1,4',
      ],
      { cwd: root, maxBuffer: 16 << 20 },
    );
    expect(stdout).toMatch(/model\s+precision\s+target\s+status/);
    expect(stdout).toMatch(/fashion-tiny\s+float32\s+ort-node\s+ok/);
    // The default --precision float32,int8 on a package without an int8 file: int8 rows are skipped
    // with the reason, printed as they finish and listed in the tables, never left out.
    expect(stderr).toMatch(/\[case\] 4\/4/);
    expect(stderr).toMatch(
      /fashion-tiny int8 ort-node: skipped \(model package 'fashion-tiny' has no onnx int8 model; it holds model\.onnx/,
    );
    expect(stdout).toMatch(
      /fashion-tiny\s+int8\s+chromium\s+skipped\s+model package 'fashion-tiny' has no onnx int8 model/,
    );
    validateReport(JSON.parse(await readFile(join(cliOut, 'report.json'), 'utf8')));
  }, 120_000);

  it('report.html renders its SVG charts in Chromium: well-formed, one mark per case, hover titles, no text whose ink overlaps', async () => {
    const html = await readFile(join(outDir, 'report.html'), 'utf8');
    const svgs = html.match(/<svg .*?<\/svg>/gs) ?? [];
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(outDir, 'report.html')).href);
      const counts = await page.evaluate((sources) => {
        const charts = [...document.querySelectorAll('svg.chart')];
        // A probe beside the charts, proof that the check below sees real overlaps and only those:
        // two labels drawn at one spot (must be reported), and two legend rows 13 px apart (11 px
        // text: vega's old legend spacing, whose line boxes overlap in Open Sans; its ink does
        // not, so it must not be reported).
        document.body.insertAdjacentHTML(
          'beforeend',
          `<svg class="probe" width="300" height="60" font-family="system-ui, sans-serif" font-size="11px">
            <text transform="translate(16,9)">ready (Worker)</text>
            <text transform="translate(16,22)">first inference</text>
            <text transform="translate(150,30)">import</text>
            <text transform="translate(150,30)">create</text>
          </svg>`,
        );
        const probe = document.querySelector('svg.probe') as SVGSVGElement;
        // Pairs of visible texts whose ink overlaps, in the browser's own font: each text's glyph
        // extents (canvas measureText with the text's computed font and anchor), from its baseline
        // origin through its screen matrix (rotation included). Not getBoundingClientRect: that is
        // the line box (the font's ascent + descent, 1.36 × the size in Open Sans), taller than
        // what is drawn.
        const context = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
        const align = { start: 'left', middle: 'center', end: 'right' } as const;
        const overlaps = [...charts, probe].flatMap((svg) => {
          const boxes = [...svg.querySelectorAll('text')]
            .filter((t) => (t.textContent ?? '') !== '' && t.getAttribute('opacity') !== '0')
            .map((t) => {
              const style = getComputedStyle(t);
              context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
              context.textAlign = align[style.textAnchor as keyof typeof align] ?? 'left';
              context.textBaseline = 'alphabetic';
              const m = context.measureText(t.textContent ?? '');
              const x = t.x.baseVal.numberOfItems > 0 ? t.x.baseVal.getItem(0).value : 0;
              const y = t.y.baseVal.numberOfItems > 0 ? t.y.baseVal.getItem(0).value : 0;
              const matrix = t.getScreenCTM() ?? new DOMMatrix();
              const corners = [
                [-m.actualBoundingBoxLeft, -m.actualBoundingBoxAscent],
                [m.actualBoundingBoxRight, -m.actualBoundingBoxAscent],
                [-m.actualBoundingBoxLeft, m.actualBoundingBoxDescent],
                [m.actualBoundingBoxRight, m.actualBoundingBoxDescent],
              ].map(([dx = 0, dy = 0]) => new DOMPoint(x + dx, y + dy).matrixTransform(matrix));
              const xs = corners.map((p) => p.x);
              const ys = corners.map((p) => p.y);
              return {
                text: t.textContent ?? '',
                r: {
                  left: Math.min(...xs),
                  right: Math.max(...xs),
                  top: Math.min(...ys),
                  bottom: Math.max(...ys),
                },
              };
            });
          return boxes.flatMap((a, i) =>
            boxes
              .slice(i + 1)
              .filter(
                (b) =>
                  Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left) > 0.5 &&
                  Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top) > 0.5,
              )
              .map((b) => `${svg.getAttribute('class')}: '${a.text}' / '${b.text}'`),
          );
        });
        return {
          charts: charts.length,
          wellFormed: sources.every(
            (s) => new DOMParser().parseFromString(s, 'image/svg+xml').querySelector('parsererror') === null,
          ),
          boxes: document.querySelectorAll('svg.latency-endToEnd g.box_marks path').length,
          points: document.querySelectorAll('svg.tradeoff g.point_marks path').length,
          titledPoints: document.querySelectorAll('svg.tradeoff g.point_marks path > title').length,
          totals: document.querySelectorAll('svg.cold-start g.total_marks text').length,
          drawn: charts.every((s) => s.getBoundingClientRect().width > 100),
          overlaps,
        };
      }, svgs);
      const ok = report.cases.filter((c) => c.status === 'ok').length;
      expect(counts).toEqual({
        charts: 4,
        wellFormed: true,
        boxes: ok,
        points: ok,
        titledPoints: ok,
        totals: ok,
        drawn: true,
        overlaps: ["probe: 'import' / 'create'"],
      });
    } finally {
      await browser.close();
    }
  });
});
