/**
 * CPU time per request of a Worker served by `wrangler dev`, measured on the workerd processes
 * themselves (process-cpu.ts), next to wall time: requests are sent one at a time and workerd's CPU
 * read before and after each, minus an idle baseline (workerd's CPU rate while nothing is sent,
 * times the request's wall time). Cold: the first classification of a fresh workerd (it creates
 * the ORT session, as a deployed Worker's first request does). Warm: later ones. Floor: GET
 * /v1/health, which does no model work (workerd's HTTP handling and miniflare's local entry
 * worker, which a deployed Worker does not bill). Only the workerd that hosts the Worker is
 * counted, not wrangler's proxy in front of it. Flags: warm p50 over the free plan's 10 ms, cold over
 * the 1 s startup budget (else over the free plan's 10 ms). The plan that fits is judged on the
 * slowest of warm p99 and the cold requests: every isolate's first request must fit too.
 */
import { planForCpuTime, WORKER_LIMITS } from '@edgeml/runtime-edge/node';
import type { WorkerCpuResult } from '../../report/types.js';
import { summarize } from '../../stats/summary.js';
import { CPU_SOURCE, processCpuNs } from './process-cpu.js';
import { descendantMemory } from './process-memory.js';

/**
 * The workerd process that hosts the Worker under a `wrangler dev` process: wrangler runs two, its
 * proxy on the public port and the runtime with the Worker (the one started with an inspector);
 * every workerd when they cannot be told apart.
 */
export async function workerdPids(wranglerPid: number): Promise<number[]> {
  const hosts = await descendantMemory(wranglerPid, /workerd/, /--inspector-addr/);
  if (hosts.length > 0) return hosts.map((p) => p.pid);
  return (await descendantMemory(wranglerPid, /workerd/)).map((p) => p.pid);
}

/** One request's CPU (ms, idle baseline subtracted, never below 0) and wall time (ms). */
export interface CpuSample {
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** Measures workerd's CPU across requests; `idleNsPerMs` is subtracted per ms of wall time. */
export class WorkerdCpuMeter {
  idleNsPerMs = 0;

  constructor(readonly pids: readonly number[]) {}

  /** Runs `send` and measures it. */
  async measure(send: () => Promise<unknown>): Promise<CpuSample> {
    const before = await processCpuNs(this.pids);
    const t = performance.now();
    await send();
    const wallMs = performance.now() - t;
    const used = (await processCpuNs(this.pids)) - before;
    return { cpuMs: Math.max(0, used - this.idleNsPerMs * wallMs) / 1e6, wallMs };
  }

  /** Measures workerd's CPU rate while idle for `ms` and keeps it as the baseline. */
  async calibrateIdle(ms: number): Promise<number> {
    const before = await processCpuNs(this.pids);
    const t = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    this.idleNsPerMs = Math.max(0, (await processCpuNs(this.pids)) - before) / (performance.now() - t);
    return this.idleNsPerMs;
  }

  /** CPU used so far by the processes (ms). */
  async totalMs(): Promise<number> {
    return (await processCpuNs(this.pids)) / 1e6;
  }
}

/** The report figures from measured samples. */
export function workerCpuResult(input: {
  readonly processes: number;
  readonly idleNsPerMs: number;
  readonly startupMs: readonly number[];
  readonly cold: readonly CpuSample[];
  readonly warm: readonly CpuSample[];
  readonly floor: readonly CpuSample[];
}): WorkerCpuResult {
  const warmMs = input.warm.map((s) => s.cpuMs);
  const warm = summarize(warmMs.length > 0 ? warmMs : [0]);
  const coldMs = input.cold.map((s) => s.cpuMs);
  const flags: string[] = [];
  if (warm.p50 > WORKER_LIMITS.cpuMsPerRequest.free) {
    flags.push(
      `warm request p50 ${warm.p50.toFixed(1)} ms CPU > ${WORKER_LIMITS.cpuMsPerRequest.free} ms (free plan limit)`,
    );
  }
  const worstCold = Math.max(0, ...coldMs);
  if (worstCold > WORKER_LIMITS.startupMs) {
    flags.push(
      `cold request ${worstCold.toFixed(0)} ms CPU > ${WORKER_LIMITS.startupMs} ms (startup budget)`,
    );
  } else if (worstCold > WORKER_LIMITS.cpuMsPerRequest.free) {
    // The session is created by the first request (not in global scope), so it is that request's CPU.
    flags.push(
      `cold request ${worstCold.toFixed(0)} ms CPU > ${WORKER_LIMITS.cpuMsPerRequest.free} ms (free plan): each new isolate's first request`,
    );
  }
  return {
    source: `workerd (${input.processes} process${input.processes === 1 ? '' : 'es'}) ${CPU_SOURCE}, idle baseline subtracted`,
    idleMsPerSecond: input.idleNsPerMs / 1e3,
    startupMs: input.startupMs,
    coldMs,
    coldWallMs: input.cold.map((s) => s.wallMs),
    warmSamples: warmMs,
    warmWallSamples: input.warm.map((s) => s.wallMs),
    warm,
    floor: summarize(input.floor.length > 0 ? input.floor.map((s) => s.cpuMs) : [0]),
    plan: planForCpuTime(Math.max(warm.p99, worstCold)),
    flags,
  };
}
