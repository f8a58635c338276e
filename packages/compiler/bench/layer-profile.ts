// Per-layer time of a compiled model: which kernel call costs what in `run()`.
//   pnpm --filter @edgeml/compiler exec tsx bench/layer-profile.ts --model DIR [--precision int8] [--rounds 7]
//     [--min-ms 30] [--stat median|min] [--input-file x.f32]
// On a busy machine `--rounds 40 --min-ms 2 --stat min` is steadier (the least disturbed round).
// Compiles the package with compileGraph's `profile` exports (step_count, run_step) into a temporary
// folder, fills the input with seeded values in [-1, 1] (or --input-file: raw float32), runs the model once, then times each kernel
// call alone (its buffers hold what run() left there), in rounds over every call; per call the
// median of the rounds' per-call means. The last row compares the calls' sum with run() itself.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileModelPackage } from '../src/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    precision: { type: 'string', default: 'float32' },
    rounds: { type: 'string', default: '7' },
    'min-ms': { type: 'string', default: '30' },
    stat: { type: 'string', default: 'median' },
    'input-file': { type: 'string' },
  },
});
if (!values.model) throw new Error('--model DIR is required');
const precision = values.precision as 'float32' | 'int8';
const dir = await mkdtemp(join(tmpdir(), 'edgeml-profile-'));
try {
  const result = await compileModelPackage(values.model, dir, { precision, profile: true });
  const steps = result.report.steps!;
  const bytes = await readFile(join(dir, result.files.wasm));
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as {
    memory: WebAssembly.Memory;
    input_offset(): number;
    input_length(): number;
    run(): void;
    run_step(i: number): void;
  };
  const input = new Float32Array(e.memory.buffer, e.input_offset(), e.input_length());
  if (values['input-file'] !== undefined) {
    // One preprocessed input (float32 little-endian, the manifest's layout), e.g. a real test image:
    // kernels that skip zeros run as fast as the data lets them.
    const raw = await readFile(values['input-file']);
    const given = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2);
    if (given.length !== input.length)
      throw new Error(`--input-file holds ${given.length} float32 values, the model takes ${input.length}`);
    input.set(given);
  } else {
    let seed = 1;
    for (let i = 0; i < input.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      input[i] = (seed / 2 ** 32) * 2 - 1;
    }
  }
  e.run();
  const minMs = Number(values['min-ms']);
  const timeCalls = (f: () => void): number => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      f();
      n++;
      t = performance.now();
    } while (t - t0 < minMs);
    return ((t - t0) / n) * 1000;
  };
  const rounds = Number(values.rounds);
  const perStep: number[][] = steps.map(() => []);
  const whole: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < steps.length; i++) perStep[i]!.push(timeCalls(() => e.run_step(i)));
    whole.push(timeCalls(() => e.run()));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  // min: on a busy machine the fastest round is the one least disturbed (--stat min); median otherwise.
  const stat = values.stat === 'min' ? (xs: number[]) => Math.min(...xs) : median;
  const us = perStep.map(stat);
  const sum = us.reduce((a, b) => a + b, 0);
  console.log(
    `${values.model} (${precision}): ${steps.length} kernel calls, ${values.stat} of ${rounds} rounds`,
  );
  console.log('| # | node | kernel | µs | share |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [i, s] of steps.entries()) {
    console.log(
      `| ${i} | ${s.node} | ${s.kernel} | ${us[i]!.toFixed(1)} | ${((100 * us[i]!) / sum).toFixed(1)}% |`,
    );
  }
  console.log(`| | sum of the calls | | ${sum.toFixed(1)} | |`);
  console.log(`| | run() | | ${stat(whole).toFixed(1)} | |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
