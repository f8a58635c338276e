/**
 * The Cloudflare Worker targets: the model packaged with packageWorker (`edgeml package --target
 * worker --runtime ort-web` for 'worker', `--runtime edgeml-wasm` for 'worker-edgeml-wasm'), served by `wrangler dev` (workerd) on 127.0.0.1 and measured over HTTP: cold starts
 * (spawn → health → first classification), sequential latency, k parallel clients, accuracy,
 * workerd's resident memory from /proc, and workerd's CPU time per request (worker-cpu.ts): cold
 * (each fresh workerd's first classification), warm (sequential requests after the latency run),
 * and the floor of a request that does no model work. With `workerLoadSeconds` > 0, the load test
 * (worker-load.ts) then runs on the same Worker: `workerLoadClients` clients, good requests only,
 * then one in four hostile, every good answer checked against onnxruntime-node.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { createClassifier, findWrangler, packageWorker } from '@edgeml/runtime-edge/node';
import type {
  BenchPrecision,
  ColdStartSample,
  ConcurrencyResult,
  WorkerLoadResult,
} from '../../report/types.js';
import { runLatency } from '../runtime/latency-run.js';
import { shippedRuntimeCode } from '../runtime/runtime-code-size.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../target.js';
import { runConcurrentLoad } from './http-load.js';
import { descendantMemory } from './process-memory.js';
import { type CpuSample, WorkerdCpuMeter, workerCpuResult, workerdPids } from './worker-cpu.js';
import { hostileRequests, type LoadRequest, runWorkerLoadTest } from './worker-load.js';
import { startWranglerDev, type WranglerDevServer } from './wrangler-dev.js';

/** Warm classifications measured for CPU time, and health requests for the floor. */
const CPU_REQUESTS = 60;
const FLOOR_REQUESTS = 30;
/** The packaged Worker's body limit (packageWorker's default, stated so the load test can pass it). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Load test: distinct good images, |Δp| allowed against onnxruntime-node, isolate growth allowed. */
const LOAD_IMAGES = 64;
const LOAD_TOLERANCE = 1e-5;
const LOAD_MEMORY_BOUND_BYTES = 32 * 1024 * 1024;

/** The load test's good requests: benchmark images with onnxruntime-node's top-1 and probability. */
async function goodRequests(
  modelDir: string,
  precision: BenchPrecision,
  pngs: readonly Uint8Array[],
): Promise<LoadRequest[]> {
  const reference = await createClassifier(modelDir, { runtime: 'ort-node', precision });
  try {
    const good: LoadRequest[] = [];
    for (const [i, png] of pngs.slice(0, LOAD_IMAGES).entries()) {
      const top = (await reference.classify(png, { topK: 1 })).predictions[0];
      if (!top) throw new Error('onnxruntime-node answered no prediction');
      good.push({
        name: `image ${i}`,
        path: '/v1/classify?topK=1',
        body: png,
        headers: { 'content-type': 'image/png' },
        status: 200,
        expected: { label: top.label, probability: top.probability },
      });
    }
    return good;
  } finally {
    await reference.dispose();
  }
}

interface ClassifyBody {
  readonly predictions: readonly { label: string; probability: number }[];
  readonly timings: { decode: number; preprocess: number; inference: number; total: number };
}

async function classify(base: string, png: Uint8Array): Promise<ClassifyBody> {
  const response = await fetch(`${base}/v1/classify?topK=1`, {
    method: 'POST',
    body: png as BodyInit,
    headers: { 'content-type': 'image/png' },
  });
  if (!response.ok)
    throw new Error(`POST /v1/classify answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ClassifyBody;
}

function workerdVersion(): string | undefined {
  try {
    const wrangler = createRequire(import.meta.url).resolve('@edgeml/runtime-edge/node');
    const wranglerPkg = createRequire(wrangler).resolve('wrangler/package.json');
    return (createRequire(wranglerPkg)('workerd/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** What runs the model in the Worker: onnxruntime-web on the ONNX file, or the module `edgeml compile` wrote. */
export type WorkerRuntime = 'ort-web' | 'edgeml-wasm';

/** Modules of the upload that are the model (its manifest, the .onnx, or the compiled .wasm); wrangler prefixes a hash. */
const MODEL_MODULE = /manifest\.json$|\.onnx$|model(\.int8)?\.wasm$/;

/** Creates the Worker target: 'worker' (onnxruntime-web) or 'worker-edgeml-wasm' (the compiled module). */
export function createWorkerTarget(runtime: WorkerRuntime = 'ort-web'): BenchTarget {
  return {
    name: runtime === 'ort-web' ? 'worker' : 'worker-edgeml-wasm',
    format: runtime === 'ort-web' ? 'onnx' : 'wasm',
    async unavailable() {
      try {
        findWrangler();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    async unsupported(context) {
      const pkg = await readModelPackageDir(context.modelDir, { verify: false });
      try {
        findModelFile(pkg.manifest, runtime === 'ort-web' ? 'onnx' : 'wasm', context.precision);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    async describe() {
      const versions: Record<string, string> = {};
      try {
        versions['wrangler'] = findWrangler().version;
      } catch {}
      const workerd = workerdVersion();
      if (workerd) versions['workerd'] = workerd;
      return { versions };
    },
    async measure(context: CaseContext): Promise<TargetMeasurement> {
      const { pngs } = context.images;
      const first = pngs[0];
      if (!first) throw new Error('no benchmark images');
      const pkg = await readModelPackageDir(context.modelDir, { verify: false });
      const labels = pkg.manifest.labels;
      context.note(`edgeml package --target worker --runtime ${runtime}`);
      const project = join(context.workDir, `worker-${runtime}-${context.precision}`);
      const packaged = await packageWorker(context.modelDir, project, {
        precision: context.precision,
        runtime,
        maxBodyBytes: MAX_BODY_BYTES,
      });
      const runtimeCode = packaged.size
        ? await shippedRuntimeCode(
            packaged.size.modules,
            (path) => MODEL_MODULE.test(path),
            runtime,
            context.modelDir,
            context.precision,
            'Worker upload (wrangler deploy --dry-run)',
          )
        : undefined;

      const coldStarts: ColdStartSample[] = [];
      let server: WranglerDevServer | undefined;
      try {
        const startupCpu: number[] = [];
        const coldCpu: CpuSample[] = [];
        let meter: WorkerdCpuMeter | undefined;
        for (let i = 1; i <= context.settings.coldStarts; i++) {
          context.note(`wrangler dev cold start ${i}/${context.settings.coldStarts}`);
          await server?.stop();
          server = await startWranglerDev(project);
          const live = server;
          meter = new WorkerdCpuMeter(await workerdPids(live.child.pid ?? -1));
          startupCpu.push(await meter.totalMs());
          const t = performance.now();
          coldCpu.push(await meter.measure(() => classify(live.base, first)));
          const now = performance.now();
          coldStarts.push({ ready: server.readyMs, firstInference: now - t, total: now - server.spawnedAt });
        }
        const live = server as WranglerDevServer;
        // The accuracy pass first: it also warms workerd's JIT up (measured: 20 warm-ups were not enough).
        context.note('accuracy');
        const predictions: number[] = [];
        for (const png of pngs) {
          const body = await classify(live.base, png);
          predictions.push(labels.indexOf(body.predictions[0]?.label ?? ''));
        }
        context.note('latency');
        const { samples, warmupIterations } = await runLatency(
          `worker ${context.precision}`,
          async (i) => {
            const start = performance.now();
            const body = await classify(live.base, pngs[i % pngs.length] as Uint8Array);
            const endToEnd = performance.now() - start;
            const t = body.timings;
            return { endToEnd, inference: t.inference, decode: t.decode, preprocess: t.preprocess };
          },
          context.settings,
        );
        // CPU per request: sequential, after the latency run (warm JIT), idle baseline first.
        context.note('CPU time per request');
        const cpuMeter = meter as WorkerdCpuMeter;
        await cpuMeter.calibrateIdle(1000);
        const warmCpu: CpuSample[] = [];
        for (let i = 0; i < CPU_REQUESTS; i++) {
          warmCpu.push(
            await cpuMeter.measure(() => classify(live.base, pngs[i % pngs.length] as Uint8Array)),
          );
        }
        const floorCpu: CpuSample[] = [];
        for (let i = 0; i < FLOOR_REQUESTS; i++) {
          floorCpu.push(
            await cpuMeter.measure(() => fetch(`${live.base}/v1/health`).then((r) => r.arrayBuffer())),
          );
        }
        const cpu = workerCpuResult({
          processes: cpuMeter.pids.length,
          idleNsPerMs: cpuMeter.idleNsPerMs,
          startupMs: startupCpu,
          cold: coldCpu,
          warm: warmCpu,
          floor: floorCpu,
        });
        const concurrency: ConcurrencyResult[] = [];
        for (const clients of context.settings.concurrency) {
          context.note(`${clients} parallel clients`);
          concurrency.push(
            await runConcurrentLoad(
              async (i) => {
                await classify(live.base, pngs[i % pngs.length] as Uint8Array);
                return true;
              },
              clients,
              context.settings.concurrencyRequests,
              context.settings.concurrencyTimeMs,
            ),
          );
        }
        const workerd = await descendantMemory(live.child.pid ?? -1, /workerd/);
        const rss = workerd.reduce((a, p) => a + p.peakRssBytes, 0);
        let load: WorkerLoadResult | undefined;
        const { workerLoadSeconds = 0, workerLoadClients = 32 } = context.settings;
        if (workerLoadSeconds > 0) {
          context.note('load test: reference answers (onnxruntime-node)');
          const good = await goodRequests(context.modelDir, context.precision, pngs);
          // No API key on the bench's Worker: the hostile mix has no wrong-key request.
          const hostile = hostileRequests(first, undefined, MAX_BODY_BYTES);
          const { warmup: _none, ...figures } = await runWorkerLoadTest(live, good, hostile, {
            clients: workerLoadClients,
            seconds: workerLoadSeconds,
            tolerance: LOAD_TOLERANCE,
            memoryBoundBytes: LOAD_MEMORY_BOUND_BYTES,
            onPhase: (name) =>
              context.note(`load test: ${name}, ${workerLoadClients} clients, ${workerLoadSeconds} s`),
          });
          load = figures;
        }
        return {
          backend: `workerd ${workerdVersion() ?? '?'} via wrangler ${findWrangler().version} dev (${runtime === 'ort-web' ? 'onnxruntime-web wasm, 1 thread' : `edgeml-wasm: ${packaged.modelFile.path} compiled by edgeml compile`})`,
          coldStarts,
          warmupIterations,
          samples,
          predictions,
          concurrency,
          cpu,
          ...(load ? { load } : {}),
          ...(runtimeCode ? { runtimeCode } : {}),
          batchNote: 'one image per request (POST /v1/classify/batch not benchmarked here)',
          memory: {
            source:
              workerd.length > 0
                ? `workerd /proc VmHWM (${workerd.length} process)`
                : 'workerd not found in /proc',
            rssPeakBytes: rss,
          },
          extra: {
            bundleBytes: packaged.size?.bytes ?? null,
            bundleGzipBytes: packaged.size?.gzipBytes ?? null,
            timingsNote:
              "inference/decode/preprocess are the Worker's own timings (workerd's clock is coarse, ~1 ms); endToEnd is the HTTP round trip; the latency run follows the accuracy pass",
          },
        };
      } finally {
        await server?.stop();
      }
    },
  };
}
