/**
 * Entry of a fresh process that measures one case: `node [--import tsx] case-runner.(ts|js) job.json`.
 * Writes a RuntimeOutcome to the job's result file and exits (runtimes may keep handles open).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { measureRuntime } from './measure-runtime.js';
import type { RuntimeJob, RuntimeOutcome } from './runtime-job.js';

const jobPath = process.argv[2];
if (!jobPath) {
  process.stderr.write('usage: case-runner job.json\n');
  process.exit(2);
}
const job = JSON.parse(readFileSync(jobPath, 'utf8')) as RuntimeJob;
let outcome: RuntimeOutcome;
try {
  outcome = { ok: true, measurement: await measureRuntime(job) };
} catch (error) {
  const e = error as { message?: string; code?: unknown };
  outcome = {
    ok: false,
    message: e.message ?? String(error),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
  };
}
writeFileSync(job.resultFile, JSON.stringify(outcome));
process.exit(outcome.ok ? 0 : 1);
