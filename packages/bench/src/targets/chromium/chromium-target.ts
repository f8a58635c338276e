/**
 * The Chromium target: the model packaged by runtime-edge's web target (`packageWeb`, what
 * `edgeml package --target web` writes), served on 127.0.0.1 and run by its own `edgeml-web.js`
 * (onnxruntime-web in the page) in headless Chromium driven over CDP (playwright-core). Each cold
 * start is a fresh browser; latency and accuracy run inside the page; memory: JS heap from CDP
 * Performance.getMetrics, peak RSS of the browser's processes from /proc, Wasm memory from a probe.
 * The 'webgpu' flavour is skipped when the page gets no WebGPU adapter.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import type { ColdStartSample } from '../../report/types.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../target.js';
import { descendantMemory } from '../worker/process-memory.js';
import { chromiumLaunchOptions, type ResolvedChromium, resolveChromium } from './chromium-path.js';
import { coldStartScript, runScript, WASM_PROBE_SCRIPT, WEBGPU_ADAPTER_SCRIPT } from './page-scripts.js';
import { BLANK_PAGE, serveStatic } from './static-server.js';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

/** ORT backend the page uses. */
export type ChromiumBackend = 'wasm' | 'webgpu';

const LAUNCH_ARGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-dev-shm-usage'];

/** WebGPU on a real GPU (Dawn over Vulkan where the driver has it). */
const GPU_WEBGPU_ARGS = [...LAUNCH_ARGS, '--enable-features=Vulkan'];

/**
 * WebGPU on the CPU: SwiftShader's Vulkan, which Chromium ships (slow, but the real WebGPU build
 * of ORT runs); the same flags as the e2e suite's SWIFTSHADER_WEBGPU_FLAGS.
 */
const SWIFTSHADER_WEBGPU_ARGS = [
  ...LAUNCH_ARGS,
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

async function launch(browser: ResolvedChromium, args: readonly string[] = LAUNCH_ARGS): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch(chromiumLaunchOptions(browser, args));
}

/**
 * The WebGPU adapter a browser launched with `args` gets: its description, or why there is none.
 * Asked from a page on 127.0.0.1: `navigator.gpu` exists only in secure contexts (not about:blank).
 */
async function probeWebGpu(
  chromium: ResolvedChromium,
  args: readonly string[],
): Promise<{ problem: string; adapter: string }> {
  const server = await serveStatic(tmpdir());
  const browser = await launch(chromium, args);
  try {
    const page = await browser.newPage();
    await page.goto(`${server.base}${BLANK_PAGE}`);
    return (await page.evaluate(WEBGPU_ADAPTER_SCRIPT)) as { problem: string; adapter: string };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** A real GPU's adapter when there is one, else SwiftShader's; the flags that gave it. */
async function chooseWebGpu(
  chromium: ResolvedChromium,
): Promise<{ args: readonly string[]; adapter: string; problem: string }> {
  const gpu = await probeWebGpu(chromium, GPU_WEBGPU_ARGS);
  if (!gpu.problem && !/swiftshader/i.test(gpu.adapter)) return { args: GPU_WEBGPU_ARGS, ...gpu };
  const soft = await probeWebGpu(chromium, SWIFTSHADER_WEBGPU_ARGS);
  if (!soft.problem) return { args: SWIFTSHADER_WEBGPU_ARGS, ...soft, adapter: `${soft.adapter} (software)` };
  return { args: GPU_WEBGPU_ARGS, adapter: '', problem: `${gpu.problem}; with SwiftShader: ${soft.problem}` };
}

async function packageWebOf(): Promise<
  | ((dir: string, out: string, o: { precision: 'float32' | 'int8'; webgpu: boolean }) => Promise<unknown>)
  | undefined
> {
  const edge = (await import('@edgeml/runtime-edge/node')) as Record<string, unknown>;
  const fn = edge['packageWeb'];
  return typeof fn === 'function' ? (fn as never) : undefined;
}

/** Creates the Chromium target for one ORT backend ('chromium' = wasm, 'chromium-webgpu'). */
export function createChromiumTarget(backend: ChromiumBackend = 'wasm'): BenchTarget {
  const name = backend === 'wasm' ? 'chromium' : 'chromium-webgpu';
  let webgpu: Promise<{ args: readonly string[]; adapter: string; problem: string }> | undefined;
  return {
    name,
    format: 'onnx',
    async unavailable() {
      let chromium: ResolvedChromium;
      try {
        chromium = await resolveChromium();
      } catch (error) {
        return (error as Error).message;
      }
      try {
        await import('playwright-core');
      } catch {
        return 'package playwright-core is not installed';
      }
      if (!(await packageWebOf())) return 'runtime-edge has no web target (packageWeb)';
      if (backend === 'webgpu') {
        webgpu ??= chooseWebGpu(chromium);
        const { problem } = await webgpu;
        if (problem) return `no WebGPU in headless Chromium here: ${problem}`;
      }
      return undefined;
    },
    async unsupported(context: CaseContext) {
      const pkg = await readModelPackageDir(context.modelDir, { verify: false });
      try {
        findModelFile(pkg.manifest, 'onnx', context.precision);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    async describe() {
      try {
        const chromium = await resolveChromium();
        const browser = await launch(chromium);
        const version = browser.version();
        await browser.close();
        return {
          versions: { chromium: `${version} (${chromium.source}: ${chromium.path})` },
          wasm: {
            chromium:
              'onnxruntime-web in the page: ort-wasm-simd-threaded.wasm (SIMD), numThreads 1, cross-origin isolated',
          },
        };
      } catch {
        return {};
      }
    },
    async measure(context: CaseContext): Promise<TargetMeasurement> {
      const chromium = await resolveChromium();
      const packageWeb = await packageWebOf();
      if (!packageWeb) throw new Error('the web target went away');
      const site = join(context.workDir, `web-${context.precision}`);
      context.note('edgeml package --target web');
      await packageWeb(context.modelDir, site, {
        precision: context.precision,
        webgpu: backend === 'webgpu',
      });
      if (backend === 'webgpu') webgpu ??= chooseWebGpu(chromium);
      const gpu = webgpu ? await webgpu : undefined;
      if (gpu?.problem) throw new Error(`no WebGPU in headless Chromium here: ${gpu.problem}`);
      const server = await serveStatic(site);
      const b64 = context.images.pngs.map((p) => Buffer.from(p).toString('base64'));
      const coldStarts: ColdStartSample[] = [];
      let browser: Browser | undefined;
      let page: Page | undefined;
      let fallback: unknown;
      try {
        for (let i = 1; i <= context.settings.coldStarts; i++) {
          context.note(`fresh browser ${i}/${context.settings.coldStarts}`);
          await browser?.close();
          const t0 = performance.now();
          browser = await launch(chromium, gpu?.args ?? LAUNCH_ARGS);
          page = await browser.newPage();
          await page.addInitScript(WASM_PROBE_SCRIPT);
          await page.goto(`${server.base}${BLANK_PAGE}`);
          const ready = performance.now() - t0;
          const phases = (await page.evaluate(coldStartScript(backend, b64[0] ?? ''))) as {
            import: number;
            create: number;
            firstInference: number;
            backend: string;
            fallbackReasons: string[];
          };
          if (phases.backend !== backend)
            throw new Error(
              `the page ran '${phases.backend}', not '${backend}': ${phases.fallbackReasons.join('; ')}`,
            );
          fallback = phases.fallbackReasons;
          coldStarts.push({
            ready,
            import: phases.import,
            create: phases.create,
            firstInference: phases.firstInference,
            total: performance.now() - t0,
          });
        }
        const live = page as Page;
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
        const processes = await descendantMemory(process.pid, /chrom/i);
        const renderer = await descendantMemory(process.pid, /chrom/i, /--type=renderer/);
        return {
          backend: `Chromium ${browser?.version()} headless, onnxruntime-web ${backend} in the page (numThreads 1)${gpu ? `, WebGPU adapter: ${gpu.adapter}` : ''}`,
          coldStarts,
          warmupIterations: run.warmupIterations,
          samples: run.samples,
          predictions: run.predictions,
          batchNote: 'the web Classifier takes one image per call',
          memory: {
            source: `chromium renderer /proc VmHWM (${renderer.length} process), JS heap from CDP Performance.getMetrics`,
            rssPeakBytes: renderer.reduce((a, p) => a + p.peakRssBytes, 0),
            ...(heap === undefined ? {} : { heapUsedPeakBytes: Math.round(heap) }),
            ...(run.wasmMemoryBytes > 0 ? { wasmMemoryBytes: run.wasmMemoryBytes } : {}),
          },
          extra: {
            crossOriginIsolated: run.isolated,
            browserProcessesPeakRssBytes: processes.reduce((a, p) => a + p.peakRssBytes, 0),
            browserProcesses: processes.length,
            fallbackReasons: fallback ?? [],
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
