/**
 * The compiled module's own cold start in Node, as a user of `model.js` alone pays it (no edgeml
 * package, no Classifier, no PNG decoding): in a fresh Node process, the `.wasm` bytes are read
 * first (not timed), then `load(bytes)` (WebAssembly compile + instantiate) and one `run()` of a
 * zero input of the model's input size (the kernels' work does not depend on the values) are timed,
 * in wall time and in the process's CPU time (all its threads, V8's compiler threads included: the
 * figure that holds on a loaded machine, where a fresh process waits for a core).
 * This is the "module instantiation + first inference" of issue 17; the Classifier's cold start
 * (which also reads and checks the package and decodes a PNG) stays in the usual phases.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchPrecision, ModuleColdStart } from '../../report/types.js';
import { summarize } from '../../stats/summary.js';

const SCRIPT = `
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const bytes = await readFile(process.env.EDGEML_MODULE_WASM);
const m = await import(pathToFileURL(process.env.EDGEML_MODULE_JS).href);
const c0 = process.cpuUsage();
const t0 = performance.now();
const model = await m.load(bytes);
const t1 = performance.now();
const scores = model.run(new Float32Array(model.meta.inputShape.reduce((a, b) => a * b, 1)));
const t2 = performance.now();
const c = process.cpuUsage(c0);
if (scores.length !== model.meta.outputLength) throw new Error('run() answered ' + scores.length + ' scores');
process.stdout.write(JSON.stringify({ instantiate: t1 - t0, firstRun: t2 - t1, cpu: (c.user + c.system) / 1000 }));
`;

async function once(
  js: string,
  wasm: string,
  timeoutMs: number,
): Promise<{ instantiate: number; firstRun: number; cpu: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', EDGEML_MODULE_JS: js, EDGEML_MODULE_WASM: wasm },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (c) => done(c));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`model.js cold start process exited ${code}: ${err.trim()}`);
  return JSON.parse(out) as { instantiate: number; firstRun: number; cpu: number };
}

/** `runs` fresh-process cold starts of the package's compiled module for `precision` (model.js / model.int8.js). */
export async function moduleColdStart(
  modelDir: string,
  precision: BenchPrecision,
  runs: number,
  timeoutMs = 60_000,
): Promise<ModuleColdStart> {
  const base = precision === 'int8' ? 'model.int8' : 'model';
  const samples: { instantiate: number; firstRun: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++)
    samples.push(await once(join(modelDir, `${base}.js`), join(modelDir, `${base}.wasm`), timeoutMs));
  return {
    how: `fresh node process: ${base}.js load(bytes read beforehand) + one run() of a zero input`,
    samples,
    total: summarize(samples.map((s) => s.instantiate + s.firstRun)),
    cpu: summarize(samples.map((s) => s.cpu)),
  };
}
