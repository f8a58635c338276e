/**
 * Cloudflare Workers' platform limits as the limits page gives them (read 2026-12): what a packaged
 * Worker is checked against (size) and what the bench compares its measured CPU time with.
 * Web-standard: no Node APIs.
 */

/** The limits a Worker runs under, per plan where they differ. */
export interface WorkerLimits {
  /** Largest Worker upload, uncompressed, on both plans (bytes). */
  readonly scriptBytes: number;
  /** Time the global scope may take at startup (ms). */
  readonly startupMs: number;
  /** CPU time per request: 10 ms on the free plan, up to 5 min on the paid plan (ms). */
  readonly cpuMsPerRequest: { readonly free: number; readonly paid: number };
  /** Memory per isolate, Wasm memory included (bytes). */
  readonly memoryBytes: number;
}

/** Today's limits: 64 MiB uncompressed, 1 s startup, 10 ms CPU (free) / 5 min (paid), 128 MB memory. */
export const WORKER_LIMITS: WorkerLimits = {
  scriptBytes: 64 * 1024 * 1024,
  startupMs: 1000,
  cpuMsPerRequest: { free: 10, paid: 5 * 60 * 1000 },
  memoryBytes: 128 * 1000 * 1000,
};

/** The cheapest plan whose per-request CPU limit `cpuMs` fits: 'free', 'paid', or 'none'. */
export function planForCpuTime(
  cpuMs: number,
  limits: WorkerLimits = WORKER_LIMITS,
): 'free' | 'paid' | 'none' {
  if (cpuMs <= limits.cpuMsPerRequest.free) return 'free';
  if (cpuMs <= limits.cpuMsPerRequest.paid) return 'paid';
  return 'none';
}
