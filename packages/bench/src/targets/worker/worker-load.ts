/**
 * Load without loss: k concurrent HTTP clients against a Worker in workerd for a fixed time, every
 * answer checked. Good requests (real PNGs) must answer 200 with the expected top-1 and its
 * probability (onnxruntime-node's, within `tolerance`); in the mixed phase, hostile requests are
 * interleaved (every `hostileEvery`-th request: a decompression bomb, a truncated and a random
 * "PNG", a body over the limit, a wrong content type, malformed JSON, a wrong API key) and must
 * each get their own refusal status. Reported: requests, errors (unexpected status, network
 * failure, wrong answer), throughput, latency percentiles of the good requests, and workerd's
 * resident memory sampled during the run (its growth against a stated bound).
 */
import { readFile } from 'node:fs/promises';
import { encodePng } from '@edgeml/core';
import { type Summary, summarize } from '../../stats/summary.js';

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

/** The figures of one load phase. */
export interface WorkerLoadResult {
  readonly phase: string;
  readonly clients: number;
  readonly seconds: number;
  readonly requests: number;
  readonly good: number;
  readonly hostile: number;
  /** Unexpected statuses, network failures and wrong answers. */
  readonly errors: number;
  /** Good requests answered 200 with another top-1 or a probability off by more than the tolerance. */
  readonly wrong: number;
  /** The first few errors, in words. */
  readonly errorSamples: readonly string[];
  readonly requestsPerSecond: number;
  readonly goodPerSecond: number;
  /** Latency of the good requests (ms). */
  readonly latency: Summary;
  /** workerd's resident memory (sum over its processes), sampled every 500 ms (bytes). */
  readonly rss: { readonly startBytes: number; readonly peakBytes: number; readonly endBytes: number };
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

/** The hostile requests of the mixed phase (each with the status it must get). */
export function hostileRequests(image: Uint8Array, apiKey: string, maxBodyBytes: number): LoadRequest[] {
  const auth = { authorization: `Bearer ${apiKey}` };
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
    {
      name: 'wrong API key',
      path: '/v1/classify',
      body: image,
      headers: { authorization: 'Bearer wrong', 'content-type': 'image/png' },
      status: 401,
    },
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
): Promise<WorkerLoadResult> {
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
