/**
 * Runs a RuntimeJob in a fresh Node process (through tsx when the harness runs from its .ts
 * sources) and reads its outcome; a crash, a timeout or a failed case becomes a thrown error.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdgemlError, type EdgemlErrorCode } from '@edgeml/core';
import type { RuntimeJob, RuntimeMeasurement, RuntimeOutcome } from './runtime-job.js';

const runnerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './case-runner.ts' : './case-runner.js',
  import.meta.url,
);

function nodeArgs(): string[] {
  const runner = fileURLToPath(runnerUrl);
  if (!runner.endsWith('.ts')) return [runner];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, runner];
}

let sequence = 0;

/** Runs `job` (minus its result file, chosen here) in a new process under `workDir`. */
export async function runCaseProcess(
  job: Omit<RuntimeJob, 'resultFile'>,
  workDir: string,
  timeoutMs: number,
): Promise<RuntimeMeasurement> {
  const id = `${job.target}-${job.mode}-${++sequence}`;
  const jobFile = join(workDir, `${id}.job.json`);
  const resultFile = join(workDir, `${id}.result.json`);
  await writeFile(jobFile, JSON.stringify({ ...job, resultFile }));
  const child = spawn(process.execPath, [...nodeArgs(), jobFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (c) => done(c));
  }).finally(() => clearTimeout(timer));
  let outcome: RuntimeOutcome;
  try {
    outcome = JSON.parse(await readFile(resultFile, 'utf8')) as RuntimeOutcome;
  } catch {
    const why = code === null ? `killed after ${timeoutMs} ms` : `exited ${code}`;
    throw new Error(`${job.target} case process ${why} without a result: ${log.trim().slice(-1500)}`);
  }
  if (!outcome.ok) {
    if (outcome.code) throw new EdgemlError(outcome.code as EdgemlErrorCode, outcome.message);
    throw new Error(outcome.message);
  }
  return outcome.measurement;
}
