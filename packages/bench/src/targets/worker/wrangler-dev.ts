/** A `wrangler dev` (workerd) server for a packaged Worker on 127.0.0.1: start, wait for health, stop. */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { spawnWrangler } from '@edgeml/runtime-edge/node';

/** A running local Worker. */
export interface WranglerDevServer {
  readonly child: ChildProcess;
  readonly base: string;
  /** ms from spawn until /v1/health answered 200. */
  readonly readyMs: number;
  /** performance.now() at spawn. */
  readonly spawnedAt: number;
  /** The inspector port (CDP) of the Worker's isolate. */
  readonly inspectorPort: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await closed;
  clearTimeout(timer);
}

/** Starts `wrangler dev` in `projectDir` and resolves once /v1/health answers (or throws with its log). */
export async function startWranglerDev(projectDir: string, timeoutMs = 120_000): Promise<WranglerDevServer> {
  const port = await freePort();
  let inspectorPort = await freePort();
  while (inspectorPort === port) inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const child = spawnWrangler(
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort)],
    { cwd: projectDir, pipe: true },
  );
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = spawnedAt + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}: ${log.trim()}`);
    const ok = await fetch(`${base}/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return {
        child,
        base,
        spawnedAt,
        inspectorPort,
        readyMs: performance.now() - spawnedAt,
        stop: () => stopChild(child),
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child);
  throw new Error(`wrangler dev did not answer /v1/health within ${timeoutMs} ms: ${log.trim()}`);
}
