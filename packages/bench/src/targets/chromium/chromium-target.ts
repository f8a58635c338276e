/**
 * The Chromium target: the model packaged by runtime-edge's web target (`packageWeb`, what
 * `edgeml package --target web` writes), served on 127.0.0.1 and run by its own `edgeml-web.js`
 * (onnxruntime-web in the page) in headless Chromium driven over CDP (playwright-core). Each cold
 * start is a fresh browser; latency and accuracy run inside the page; memory: JS heap from CDP
 * Performance.getMetrics, peak RSS of the browser's processes from /proc, Wasm memory from a probe.
 * The 'webgpu' flavour is skipped when the page gets no WebGPU adapter. The 'edgeml-wasm' flavour
 * (`chromium-edgeml-wasm`) packages the page with `--runtime edgeml-wasm`: the module `edgeml
 * compile` wrote instead of onnxruntime-web, measured the same way.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import type { ColdStartSample, RuntimeCodeSize } from '../../report/types.js';
import { shippedRuntimeCode } from '../runtime/runtime-code-size.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../target.js';
import { descendantMemory } from '../worker/process-memory.js';
import { chromiumLaunchOptions, type ResolvedChromium, resolveChromium } from './chromium-path.js';
import { coldStartScript, runScript, WASM_PROBE_SCRIPT, WEBGPU_ADAPTER_SCRIPT } from './page-scripts.js';
import { BLANK_PAGE, serveStatic } from './static-server.js';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

/** What runs the model in the page: onnxruntime-web's wasm or WebGPU backend, or the compiled module. */
export type ChromiumBackend = 'wasm' | 'webgpu' | 'edgeml-wasm';

const TARGET_NAME: Record<ChromiumBackend, string> = {
  wasm: 'chromium',
  webgpu: 'chromium-webgpu',
  'edgeml-wasm': 'chromium-edgeml-wasm',
};

/** Files of the page that are not runtime code: the demo page and the model (manifest, .onnx, compiled .wasm). */
const NOT_RUNTIME = (path: string) =>
  path.startsWith('model/') || /^(index\.html|demo\.js|README\.md)$/.test(path);

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
  | ((
      dir: string,
      out: string,
      o: { precision: 'float32' | 'int8'; webgpu: boolean; runtime: 'ort-web' | 'edgeml-wasm' },
    ) => Promise<{ files: readonly { path: string; bytes: number; gzipBytes: number }[] }>)
  | undefined
> {
  const edge = (await import('@edgeml/runtime-edge/node')) as Record<string, unknown>;
  const fn = edge['packageWeb'];
  return typeof fn === 'function' ? (fn as never) : undefined;
}

/** Creates the Chromium target for one backend ('chromium' = ORT wasm, 'chromium-webgpu', 'chromium-edgeml-wasm'). */
export function createChromiumTarget(backend: ChromiumBackend = 'wasm'): BenchTarget {
  const name = TARGET_NAME[backend];
  const runtime = backend === 'edgeml-wasm' ? 'edgeml-wasm' : 'ort-web';
  const format = runtime === 'ort-web' ? 'onnx' : 'wasm';
  let webgpu: Promise<{ args: readonly string[]; adapter: string; problem: string }> | undefined;
  return {
    name,
    format,
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
        findModelFile(pkg.manifest, format, context.precision);
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
            [name]:
              backend === 'edgeml-wasm'
                ? 'the module edgeml compile wrote (SIMD128), compiled by the page while it downloads; no onnxruntime-web'
                : `onnxruntime-web in the page: ${backend === 'wasm' ? 'ort-wasm-simd-threaded.wasm (SIMD), numThreads 1, cross-origin isolated' : 'WebGPU execution provider'}`,
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
      const site = join(context.workDir, `web-${backend}-${context.precision}`);
      context.note(`edgeml package --target web --runtime ${runtime}`);
      const packaged = await packageWeb(context.modelDir, site, {
        precision: context.precision,
        webgpu: backend === 'webgpu',
        runtime,
      });
      // The WebGPU page also ships ORT's WebGPU build; only the wasm flavours are compared by size.
      const runtimeCode: RuntimeCodeSize | undefined =
        backend === 'webgpu'
          ? undefined
          : await shippedRuntimeCode(
              packaged.files,
              NOT_RUNTIME,
              runtime,
              context.modelDir,
              context.precision,
              'page (edgeml package --target web, demo page and model excluded)',
            );
      if (backend === 'webgpu') webgpu ??= chooseWebGpu(chromium);
      const pageBackend = backend === 'webgpu' ? 'webgpu' : 'wasm';
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
          const phases = (await page.evaluate(coldStartScript(pageBackend, b64[0] ?? ''))) as {
            import: number;
            create: number;
            firstInference: number;
            backend: string;
            fallbackReasons: string[];
          };
          if (phases.backend !== pageBackend)
            throw new Error(
              `the page ran '${phases.backend}', not '${pageBackend}': ${phases.fallbackReasons.join('; ')}`,
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
          backend:
            backend === 'edgeml-wasm'
              ? `Chromium ${browser?.version()} headless, edgeml-wasm in the page (${packaged.files.find((f) => /^model\/.*\.wasm$/.test(f.path))?.path ?? 'compiled module'}, compiled by edgeml compile)`
              : `Chromium ${browser?.version()} headless, onnxruntime-web ${backend} in the page (numThreads 1)${gpu ? `, WebGPU adapter: ${gpu.adapter}` : ''}`,
          ...(runtimeCode ? { runtimeCode } : {}),
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
