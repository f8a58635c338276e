/**
 * Load without loss: k concurrent HTTP clients against a Worker in workerd for a fixed time, every
 * answer checked. Good requests (real PNGs) must answer 200 with the expected top-1 and its
 * probability (onnxruntime-node's, within `tolerance`); in the mixed phase, hostile requests are
 * interleaved (every `hostileEvery`-th request: a decompression bomb, a truncated and a random
 * "PNG", a body over the limit, a wrong content type, malformed JSON, a wrong API key) and must
 * each get their own refusal status. Reported: requests, errors (unexpected status, network
 * failure, wrong answer), throughput, latency percentiles of the good requests, the isolate's
 * memory (heap after a GC plus its ArrayBuffers, through the inspector) against a stated bound,
 * and the resident memory of the workerd that hosts it. `runWorkerLoadTest` runs the phases on a
 * served Worker; the bench's worker target (`workerLoadSeconds`) and bench/worker-load.ts use it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { encodePng } from '@edgeml/core';
import type { WorkerLoadPhase, WorkerLoadResult } from '../../report/types.js';
import { summarize } from '../../stats/summary.js';
import { type IsolateHeap, readIsolateHeap } from './isolate-heap.js';
import { descendantMemory } from './process-memory.js';
import type { WranglerDevServer } from './wrangler-dev.js';

/** A request and the status it must get. */
export interface LoadRequest {
  readonly name: string;
  readonly path: string;
  readonly body: Uint8Array | string;
  readonly headers: Record<string, string>;
  readonly status: number;
  /** For good requests: the expected top-1 label and its probability. */
  readonly expected?: { readonly label: string; readonly probability: number };
}

/** Settings of one load phase. */
export interface LoadPhase {
  readonly name: string;
  readonly clients: number;
  readonly seconds: number;
  /** Every n-th request is hostile (0: none). */
  readonly hostileEvery: number;
}

async function rssBytes(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kib = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    total += kib ? Number(kib) * 1024 : 0;
  }
  return total;
}

/**
 * The hostile requests of the mixed phase (each with the status it must get); a wrong API key only
 * when the Worker requires one (`apiKey` given).
 */
export function hostileRequests(
  image: Uint8Array,
  apiKey: string | undefined,
  maxBodyBytes: number,
): LoadRequest[] {
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  // 8192 x 8192 zeros: 64 MiB of pixels in a small PNG, refused from its header (413).
  const bomb = encodePng({ width: 8192, height: 8192, channels: 1, data: new Uint8Array(8192 * 8192) });
  const random = new Uint8Array(2048);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  random.set([137, 80, 78, 71, 13, 10, 26, 10]);
  const asPng = (name: string, body: Uint8Array, status: number): LoadRequest => ({
    name,
    path: '/v1/classify',
    body,
    headers: { ...auth, 'content-type': 'image/png' },
    status,
  });
  return [
    asPng('decompression bomb (8192x8192 PNG)', bomb, 413),
    asPng('truncated PNG', image.subarray(0, 60), 400),
    asPng('random bytes behind a PNG signature', random, 400),
    asPng('body over the limit', new Uint8Array(maxBodyBytes + 1), 413),
    {
      name: 'wrong content type',
      path: '/v1/classify',
      body: 'hello',
      headers: { ...auth, 'content-type': 'text/plain' },
      status: 415,
    },
    {
      name: 'malformed JSON',
      path: '/v1/classify',
      body: '{"image": ',
      headers: { ...auth, 'content-type': 'application/json' },
      status: 400,
    },
    ...(apiKey
      ? [
          {
            name: 'wrong API key',
            path: '/v1/classify',
            body: image,
            headers: { authorization: 'Bearer wrong', 'content-type': 'image/png' },
            status: 401,
          },
        ]
      : []),
  ];
}

/** Runs one phase against `base`: `good` requests in turn, hostile ones interleaved (see the file comment). */
export async function runWorkerLoad(
  base: string,
  workerdPids: readonly number[],
  good: readonly LoadRequest[],
  hostile: readonly LoadRequest[],
  phase: LoadPhase,
  tolerance: number,
): Promise<WorkerLoadPhase> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let requests = 0;
  let goodCount = 0;
  let hostileCount = 0;
  let errors = 0;
  let wrong = 0;
  const fail = (message: string) => {
    errors++;
    if (errorSamples.length < 10) errorSamples.push(message);
  };
  const rss: number[] = [await rssBytes(workerdPids)];
  const sampler = setInterval(() => {
    void rssBytes(workerdPids).then((b) => rss.push(b));
  }, 500);
  const start = performance.now();
  const deadline = start + phase.seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const i = requests++;
      const isHostile = phase.hostileEvery > 0 && i % phase.hostileEvery === phase.hostileEvery - 1;
      const request = isHostile
        ? (hostile[Math.floor(i / phase.hostileEvery) % hostile.length] as LoadRequest)
        : (good[i % good.length] as LoadRequest);
      const t = performance.now();
      try {
        const response = await fetch(`${base}${request.path}`, {
          method: 'POST',
          body: request.body as BodyInit,
          headers: request.headers,
        });
        const text = await response.text();
        if (isHostile) hostileCount++;
        else {
          goodCount++;
          latencies.push(performance.now() - t);
        }
        if (response.status !== request.status) {
          fail(
            `${request.name}: status ${response.status}, expected ${request.status}: ${text.slice(0, 200)}`,
          );
          continue;
        }
        if (request.expected) {
          const top = (JSON.parse(text) as { predictions: { label: string; probability: number }[] })
            .predictions[0];
          if (
            top?.label !== request.expected.label ||
            Math.abs(top.probability - request.expected.probability) > tolerance
          ) {
            wrong++;
            fail(
              `${request.name}: answered ${JSON.stringify(top)}, expected ${JSON.stringify(request.expected)}`,
            );
          }
        }
      } catch (error) {
        fail(`${request.name}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: phase.clients }, client));
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  rss.push(await rssBytes(workerdPids));
  return {
    phase: phase.name,
    clients: phase.clients,
    seconds,
    requests: goodCount + hostileCount,
    good: goodCount,
    hostile: hostileCount,
    errors,
    wrong,
    errorSamples,
    requestsPerSecond: (goodCount + hostileCount) / seconds,
    goodPerSecond: goodCount / seconds,
    latency: summarize(latencies.length > 0 ? latencies : [0]),
    rss: { startBytes: rss[0] ?? 0, peakBytes: Math.max(...rss), endBytes: rss[rss.length - 1] ?? 0 },
  };
}

/** Settings of runWorkerLoadTest. */
export interface WorkerLoadTestOptions {
  readonly clients: number;
  /** Seconds per measured phase. */
  readonly seconds: number;
  /** A good-only warm-up before the measured phases (s). @default 0 */
  readonly warmupSeconds?: number;
  /** In the mixed phase, every n-th request is hostile. @default 4 */
  readonly hostileEvery?: number;
  /** Largest |Δp| of a good answer's top-1 probability. */
  readonly tolerance: number;
  /** The most the isolate's memory may grow from the start of the good phase to the end of the mixed one (bytes). */
  readonly memoryBoundBytes: number;
  /** Called before each phase with its name. */
  readonly onPhase?: (name: string) => void;
}

/**
 * The load test on a Worker served by `wrangler dev`: an optional warm-up, a phase of good requests
 * and a mixed one, `clients` concurrent clients for `seconds` each; the isolate's heap (after a GC,
 * through the inspector) read at the start of the good phase, its end and the end of the mixed
 * one. A heap reading that fails for another reason than a missing WebSocket leaves the bound on
 * the hosting workerd's RSS (`growthMeasure` says which); BACKEND_UNAVAILABLE propagates.
 */
export async function runWorkerLoadTest(
  server: WranglerDevServer,
  good: readonly LoadRequest[],
  hostile: readonly LoadRequest[],
  options: WorkerLoadTestOptions,
): Promise<WorkerLoadResult & { readonly warmup?: WorkerLoadPhase }> {
  const { clients, seconds, tolerance } = options;
  const hostileEvery = options.hostileEvery ?? 4;
  // wrangler dev runs two workerd processes: its proxy (the public port) and the runtime that
  // hosts the Worker (the one with an inspector); memory is bounded on the latter.
  const all = await descendantMemory(server.child.pid ?? -1, /workerd/, /./);
  const hosts = await descendantMemory(server.child.pid ?? -1, /workerd/, /--inspector-addr/);
  const pids = hosts.length > 0 ? hosts.map((p) => p.pid) : all.map((p) => p.pid);
  const proxyPids = all.map((p) => p.pid).filter((pid) => !pids.includes(pid));
  const taskCount = async () => {
    let n = 0;
    for (const pid of pids) n += (await readdir(`/proc/${pid}/task`).catch(() => [])).length;
    return n;
  };
  const heapNow = () =>
    readIsolateHeap(server.inspectorPort, true).catch((error: Error) => {
      if ((error as { code?: string }).code === 'BACKEND_UNAVAILABLE') throw error;
      return undefined;
    });
  let warmup: WorkerLoadPhase | undefined;
  const warmupSeconds = options.warmupSeconds ?? 0;
  if (warmupSeconds > 0) {
    options.onPhase?.('warm-up (good)');
    const phase = { name: 'warm-up (good)', clients, seconds: warmupSeconds, hostileEvery: 0 };
    warmup = await runWorkerLoad(server.base, pids, good, hostile, phase, tolerance);
  }
  const threadsStart = await taskCount();
  const heap: (IsolateHeap | undefined)[] = [await heapNow()];
  const phases: WorkerLoadPhase[] = [];
  for (const phase of [
    { name: 'good', clients, seconds, hostileEvery: 0 },
    { name: `mixed (1 in ${hostileEvery} hostile)`, clients, seconds, hostileEvery },
  ]) {
    options.onPhase?.(phase.name);
    phases.push(await runWorkerLoad(server.base, pids, good, hostile, phase, tolerance));
    heap.push(await heapNow());
  }
  const threadsEnd = await taskCount();
  const proxyRssEndBytes = await rssBytes(proxyPids);
  const rssGrowth = (phases[phases.length - 1]?.rss.endBytes ?? 0) - (phases[0]?.rss.startBytes ?? 0);
  // The bound applies to the isolate (live heap after a GC + its ArrayBuffers): what Cloudflare's
  // 128 MB per isolate counts. Without an inspector reading, to the hosting workerd's RSS.
  const isolateBytes = (h: IsolateHeap | undefined) => (h ? h.usedBytes + h.backingStorageBytes : 0);
  const heapRead = heap.every((h) => h !== undefined);
  const growthBytes = heapRead ? isolateBytes(heap[2]) - isolateBytes(heap[0]) : rssGrowth;
  return {
    clients,
    secondsPerPhase: seconds,
    hostileEvery,
    tolerance,
    hostileRequests: hostile.map((h) => ({ name: h.name, status: h.status })),
    phases,
    isolateHeap: heap.map((h) => h ?? null),
    growthMeasure: heapRead ? 'isolate heap + backing stores' : 'hosting workerd RSS',
    growthBytes,
    memoryBoundBytes: options.memoryBoundBytes,
    withinBound: growthBytes <= options.memoryBoundBytes,
    workerdRssGrowthBytes: rssGrowth,
    proxyRssEndBytes,
    threads: { start: threadsStart, end: threadsEnd },
    ...(warmup ? { warmup } : {}),
  };
}
