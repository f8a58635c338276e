/**
 * A packaged Worker served by `wrangler dev` (workerd) on 127.0.0.1 for the e2e suites: free ports,
 * readiness through /v1/health, `edgeml package --target worker` run as a user runs it (the CLI).
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { spawnWrangler } from '@edgeml/runtime-edge/node';

const root = resolve(import.meta.dirname, '../..');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForReady(child: ChildProcess, base: string): Promise<void> {
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}: ${log}`);
    const ok = await fetch(`${base}/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not become ready: ${log}`);
}

/** `edgeml package --target worker` of `pkgDir` into `out` (the CLI, as a user runs it); its stdout. */
export async function packageForWorker(
  pkgDir: string,
  out: string,
  args: readonly string[] = [],
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    join(root, 'node_modules/.bin/tsx'),
    ['packages/cli/src/bin.ts', 'package', '--model', pkgDir, '--target', 'worker', '--out', out, ...args],
    { cwd: root, maxBuffer: 16 << 20 },
  );
  return stdout;
}

/** A `wrangler dev` serving one Worker project on 127.0.0.1. */
export interface WranglerDev {
  readonly base: string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` in `workerDir` on free ports (HTTP and inspector) and waits for /v1/health. */
export async function startWranglerDev(workerDir: string): Promise<WranglerDev> {
  const port = await freePort();
  let inspectorPort = await freePort();
  while (inspectorPort === port) inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnWrangler(
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort)],
    { cwd: workerDir, pipe: true },
  );
  const stop = async () => {
    if (child.exitCode !== null) return;
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  };
  try {
    await waitForReady(child, base);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, stop };
}
