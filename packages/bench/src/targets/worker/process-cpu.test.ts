// processCpuNs reads what the kernel accounts: a child process that burns CPU on two threads (the
// main thread and a worker thread, both alive when measured: the time of threads that have exited
// is not in the per-thread sum, see process-cpu.ts) and reports its own process.cpuUsage() must be
// read the same from /proc.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuNs } from './process-cpu.js';

const CHILD = `
const { Worker } = require('node:worker_threads');
const burn = 'const t = process.cpuUsage(); let x = 0; while ((process.cpuUsage(t).user) < 150000) x += Math.sqrt(x + 1);';
const w = new Worker(burn + "require('node:worker_threads').parentPort.postMessage('done'); setInterval(() => {}, 1000);", { eval: true });
w.once('message', () => {
  eval(burn);
  const u = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuUs: u.user + u.system }) + '\\n');
  process.stdin.once('data', () => process.exit(0));
});
`;

describe('processCpuNs', () => {
  it.runIf(process.platform === 'linux')(
    "reads a process's CPU time as the process itself reports it",
    async () => {
      const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
      const line = await new Promise<string>((done) => child.stdout.once('data', (d) => done(String(d))));
      const measuredNs = await processCpuNs([child.pid ?? -1]);
      child.stdin.write('x');
      await new Promise((r) => child.once('close', r));
      const reportedNs = (JSON.parse(line) as { cpuUs: number }).cpuUs * 1000;
      expect(reportedNs).toBeGreaterThan(250e6);
      // Read after the report: only the few instructions between the two reads are extra.
      expect(measuredNs).toBeGreaterThan(0.95 * reportedNs);
      expect(measuredNs).toBeLessThan(1.05 * reportedNs + 20e6);
      expect(await processCpuNs([2 ** 30])).toBe(0);
    },
  );
});
