/**
 * The Chromium `.tflite` targets: the package's `.tflite` file run in headless Chromium by
 * LiteRT.js ('chromium-litert') or by tfjs-tflite's WebAssembly interpreter ('chromium-tflite'),
 * both through the web Classifier API on the page of tflite-page.ts (served cross-origin isolated
 * on 127.0.0.1, as the ORT page is). Each cold start is a fresh browser; latency and accuracy run
 * in the page (page-scripts.ts's runScript); memory as for the ORT page.
 */
import { join } from 'node:path';
import { findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import type { ColdStartSample } from '../../report/types.js';
import { packageVersion, resolvedFrom } from '../runtime/package-version.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../target.js';
import { descendantMemory } from '../worker/process-memory.js';
import { chromiumLaunchOptions, type ResolvedChromium, resolveChromium } from './chromium-path.js';
import { runScript, WASM_PROBE_SCRIPT } from './page-scripts.js';
import { BLANK_PAGE, serveStatic } from './static-server.js';
import { buildTflitePage, TFLITE_PAGE_LAYOUT } from './tflite-page.js';
import type { TflitePageRuntime } from './tflite-page-entry.js';

type Browser = import('playwright-core').Browser;

const LAUNCH_ARGS = ['--no-sandbox', '--disable-dev-shm-usage'];

async function launch(chromium: ResolvedChromium): Promise<Browser> {
  const { chromium: playwright } = await import('playwright-core');
  return playwright.launch(chromiumLaunchOptions(chromium, LAUNCH_ARGS));
}

/** Expression: import the page library, create the classifier, classify the first PNG; phase times. */
function coldStartScript(runtime: TflitePageRuntime, precision: string, png: string): string {
  return `(async () => {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const t0 = performance.now();
    const lib = await import('./${TFLITE_PAGE_LAYOUT.library}');
    const t1 = performance.now();
    const classifier = await lib.loadTflitePageClassifier(${JSON.stringify(runtime)}, ${JSON.stringify(precision)});
    const t2 = performance.now();
    await classifier.classify(bytes(${JSON.stringify(png)}), { topK: 1 });
    const t3 = performance.now();
    globalThis.__edgemlClassifier = classifier;
    const wasm = performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => n.endsWith('.wasm'));
    return { import: t1 - t0, create: t2 - t1, firstInference: t3 - t2, wasm };
  })()`;
}

function versionOf(name: string): string {
  return packageVersion(name, resolvedFrom('@edgeml/runtime-edge/node') ?? import.meta.url) ?? '?';
}

/** Creates the Chromium target running `.tflite` files on `runtime`. */
export function createTflitePageTarget(runtime: TflitePageRuntime): BenchTarget {
  const name = `chromium-${runtime}`;
  const label =
    runtime === 'litert'
      ? `LiteRT.js @litertjs/core ${versionOf('@litertjs/core')} (wasm accelerator, XNNPack, non-threaded build)`
      : `tfjs-tflite ${versionOf('@tensorflow/tfjs-tflite')} WebAssembly interpreter (tfweb runner, numThreads 1)`;
  return {
    name,
    format: 'tflite',
    async unavailable() {
      try {
        await resolveChromium();
      } catch (error) {
        return (error as Error).message;
      }
      try {
        await import('playwright-core');
      } catch {
        return 'package playwright-core is not installed';
      }
      if (versionOf(runtime === 'litert' ? '@litertjs/core' : '@tensorflow/tfjs-tflite') === '?')
        return `package ${runtime === 'litert' ? '@litertjs/core' : '@tensorflow/tfjs-tflite'} is not installed`;
      return undefined;
    },
    async unsupported(context: CaseContext) {
      const pkg = await readModelPackageDir(context.modelDir, { verify: false });
      try {
        findModelFile(pkg.manifest, 'tflite', context.precision);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    async measure(context: CaseContext): Promise<TargetMeasurement> {
      const chromium = await resolveChromium();
      const site = join(context.workDir, `${name}-${context.precision}`);
      context.note('build the .tflite page');
      await buildTflitePage(context.modelDir, site);
      const server = await serveStatic(site);
      const b64 = context.images.pngs.map((p) => Buffer.from(p).toString('base64'));
      const coldStarts: ColdStartSample[] = [];
      let browser: Browser | undefined;
      let page: import('playwright-core').Page | undefined;
      let wasmFiles: string[] = [];
      try {
        for (let i = 1; i <= context.settings.coldStarts; i++) {
          context.note(`fresh browser ${i}/${context.settings.coldStarts}`);
          await browser?.close();
          const t0 = performance.now();
          browser = await launch(chromium);
          page = await browser.newPage();
          await page.addInitScript(WASM_PROBE_SCRIPT);
          await page.goto(`${server.base}${BLANK_PAGE}`);
          const ready = performance.now() - t0;
          const phases = (await page.evaluate(coldStartScript(runtime, context.precision, b64[0] ?? ''))) as {
            import: number;
            create: number;
            firstInference: number;
            wasm: string[];
          };
          wasmFiles = phases.wasm;
          coldStarts.push({
            ready,
            import: phases.import,
            create: phases.create,
            firstInference: phases.firstInference,
            total: performance.now() - t0,
          });
        }
        const live = page!;
        context.note('latency, accuracy');
        const run = (await live.evaluate(runScript(b64, context.settings))) as {
          samples: TargetMeasurement['samples'];
          predictions: number[];
          warmupIterations: number;
          wasmMemoryBytes: number;
          isolated: boolean;
        };
        const cdp = await live.context().newCDPSession(live);
        await cdp.send('Performance.enable');
        const { metrics } = await cdp.send('Performance.getMetrics');
        const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
        const renderer = await descendantMemory(process.pid, /chrom/i, /--type=renderer/);
        return {
          backend: `Chromium ${browser?.version()} headless, ${label} in the page; loaded ${wasmFiles.join(', ') || 'no .wasm seen'}`,
          coldStarts,
          warmupIterations: run.warmupIterations,
          samples: run.samples,
          predictions: run.predictions,
          batchNote: 'the file has a fixed input shape: batch 1',
          memory: {
            source: `chromium renderer /proc VmHWM (${renderer.length} process), JS heap from CDP Performance.getMetrics`,
            rssPeakBytes: renderer.reduce((a, p) => a + p.peakRssBytes, 0),
            ...(heap === undefined ? {} : { heapUsedPeakBytes: Math.round(heap) }),
            ...(run.wasmMemoryBytes > 0 ? { wasmMemoryBytes: run.wasmMemoryBytes } : {}),
          },
          extra: {
            crossOriginIsolated: run.isolated,
            wasmFiles,
            timingsNote:
              'latency loop inside the page (performance.now, cross-origin isolated); not tinybench',
          },
        };
      } finally {
        await browser?.close();
        await server.close();
      }
    },
  };
}
