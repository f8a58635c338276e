/**
 * Load on an HTTP endpoint from k parallel clients on this machine, bounded by a request count and
 * a time budget: requests/s and the latency of each request.
 */

import type { ConcurrencyResult } from '../../report/types.js';
import { summarize } from '../../stats/summary.js';

/** Sends one request; resolves true when the answer was a success. */
export type SendRequest = (index: number) => Promise<boolean>;

/** Runs `clients` loops of `send` until `maxRequests` were started or `timeMs` passed. */
export async function runConcurrentLoad(
  send: SendRequest,
  clients: number,
  maxRequests: number,
  timeMs: number,
): Promise<ConcurrencyResult> {
  const latencies: number[] = [];
  let started = 0;
  let failures = 0;
  const start = performance.now();
  const deadline = start + timeMs;
  const client = async () => {
    while (started < maxRequests && performance.now() < deadline) {
      const index = started++;
      const t = performance.now();
      const ok = await send(index).catch(() => false);
      latencies.push(performance.now() - t);
      if (!ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - start) / 1000;
  return {
    clients,
    requests: latencies.length,
    failures,
    seconds,
    requestsPerSecond: (latencies.length - failures) / seconds,
    latencySamples: latencies,
    latency: summarize(latencies.length > 0 ? latencies : [0]),
  };
}
