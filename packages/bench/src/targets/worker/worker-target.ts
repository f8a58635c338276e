/**
 * The Cloudflare Worker target: the model packaged with packageWorker (`edgeml package --target
 * worker`), served by `wrangler dev` (workerd) on 127.0.0.1 and measured over HTTP: cold starts
 * (spawn → health → first classification), sequential latency, k parallel clients, accuracy, and
 * workerd's resident memory from /proc.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findModelFile } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { findWrangler, packageWorker } from '@edgeml/runtime-edge/node';
import type { ColdStartSample, ConcurrencyResult } from '../../report/types.js';
import { runLatency } from '../runtime/latency-run.js';
import type { BenchTarget, CaseContext, TargetMeasurement } from '../target.js';
import { runConcurrentLoad } from './http-load.js';
import { descendantMemory } from './process-memory.js';
import { startWranglerDev, type WranglerDevServer } from './wrangler-dev.js';

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

/** Creates the Worker target. */
export function createWorkerTarget(): BenchTarget {
  return {
    name: 'worker',
    format: 'onnx',
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
        findModelFile(pkg.manifest, 'onnx', context.precision);
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
      context.note('edgeml package --target worker');
      const project = join(context.workDir, `worker-${context.precision}`);
      const packaged = await packageWorker(context.modelDir, project, { precision: context.precision });

      const coldStarts: ColdStartSample[] = [];
      let server: WranglerDevServer | undefined;
      try {
        for (let i = 1; i <= context.settings.coldStarts; i++) {
          context.note(`wrangler dev cold start ${i}/${context.settings.coldStarts}`);
          await server?.stop();
          server = await startWranglerDev(project);
          const t = performance.now();
          await classify(server.base, first);
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
        return {
          backend: `workerd ${workerdVersion() ?? '?'} via wrangler ${findWrangler().version} dev (onnxruntime-web wasm, 1 thread)`,
          coldStarts,
          warmupIterations,
          samples,
          predictions,
          concurrency,
          batchNote: 'one image per request',
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
