/**
 * Per-node kernel times of an ONNX file on a target runtime, from onnxruntime's own profiler
 * (`enableProfiling`): onnxruntime-node writes the Chrome-trace JSON to a file (`profileFilePrefix`);
 * onnxruntime-web 1.30 (wasm) has no file system to write to and prints the same JSON on stdout
 * when the session ends profiling (in Node through `fs.writeSync(1, ...)`, in a browser through
 * `console.log`), so it is captured there. Both run single-threaded with graph optimisation 'all',
 * as the bench and the packaged runtimes do; the first quarter of the runs is dropped (the first
 * run of a QGemm/QLinearConv allocates and costs tens of ms), and each node's median is kept.
 */

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { ConfigError, formatAllowed } from '@edgeml/core';

/** Runtimes whose per-node times can be profiled here (the runtime names of the bench and runtime-edge). */
export const PROFILED_RUNTIMES = ['ort-node', 'ort-web'] as const;
/** A runtime whose per-node times can be profiled. */
export type ProfiledRuntime = (typeof PROFILED_RUNTIMES)[number];

/** One node of a profiled run: ORT's node name (after its graph transformers), op type, median µs. */
export interface NodeTime {
  readonly name: string;
  readonly op: string;
  readonly us: number;
}

/** A profile: per-node medians and the median of the whole run (`model_run`), in µs. */
export interface NodeProfile {
  readonly runtime: ProfiledRuntime;
  readonly runs: number;
  readonly nodes: readonly NodeTime[];
  readonly runUs: number;
}

/** One image (or batch) fed to the model. */
export interface ProfileInput {
  readonly x: Float32Array;
  readonly shape: readonly number[];
}

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? Number.NaN;
};

/** Per-node medians of ORT trace events, dropping the first quarter of each node's executions. */
export function summarizeTrace(events: readonly TraceEvent[], runtime: ProfiledRuntime): NodeProfile {
  const perNode = new Map<string, { op: string; durs: number[] }>();
  const runs: number[] = [];
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run' && e.dur !== undefined) runs.push(e.dur);
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || e.dur === undefined) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const entry = perNode.get(name) ?? { op: e.args?.op_name ?? '?', durs: [] };
    entry.durs.push(e.dur);
    perNode.set(name, entry);
  }
  const steady = (xs: number[]) => xs.slice(Math.floor(xs.length / 4));
  return {
    runtime,
    runs: runs.length,
    nodes: [...perNode].map(([name, { op, durs }]) => ({ name, op, us: median(steady(durs)) })),
    runUs: median(steady(runs)),
  };
}

async function onnxruntimeWebTrace(bytes: Uint8Array, input: ProfileInput, runs: number): Promise<string> {
  const [ort, fs] = await Promise.all([import('onnxruntime-web'), import('node:fs')]);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = `${dirname(createRequire(import.meta.url).resolve('onnxruntime-web'))}/`;
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    enableProfiling: true,
  });
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.x, [...input.shape]) };
    for (let i = 0; i < runs; i++) await session.run(feeds);
    // The wasm module prints the trace synchronously from endProfiling through fs.writeSync(1, ...).
    const nodeFs = fs.default as { writeSync: (...args: unknown[]) => number };
    const write = nodeFs.writeSync;
    let text = '';
    nodeFs.writeSync = (fd: unknown, data: unknown, ...rest: unknown[]) => {
      if (fd !== 1) return write.call(nodeFs, fd, data, ...rest);
      text += String(data);
      return String(data).length;
    };
    try {
      session.endProfiling();
    } finally {
      nodeFs.writeSync = write;
    }
    return text;
  } finally {
    await session.release();
  }
}

async function onnxruntimeNodeTrace(bytes: Uint8Array, input: ProfileInput, runs: number): Promise<string> {
  const [{ mkdtemp, readdir, readFile, rm }, { tmpdir }, { join }, ort] = await Promise.all([
    import('node:fs/promises'),
    import('node:os'),
    import('node:path'),
    import('onnxruntime-node'),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'edgeml-node-times-'));
  try {
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort'),
    });
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.x, [...input.shape]) };
    for (let i = 0; i < runs; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const file = (await readdir(dir)).find((f) => f.endsWith('.json'));
    if (file === undefined) throw new Error(`onnxruntime-node wrote no profile into ${dir}`);
    return await readFile(join(dir, file), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Profiles `bytes` on `runtime` for `runs` runs of `input`; returns per-node median times. */
export async function profileNodeTimes(
  bytes: Uint8Array,
  runtime: ProfiledRuntime,
  input: ProfileInput,
  runs = 200,
): Promise<NodeProfile> {
  if (!PROFILED_RUNTIMES.includes(runtime)) {
    throw new ConfigError(
      `cannot profile runtime ${JSON.stringify(runtime)}: per-node times come from ${formatAllowed(PROFILED_RUNTIMES)}`,
    );
  }
  if (!Number.isInteger(runs) || runs < 4)
    throw new ConfigError(`'runs' must be an integer >= 4, got ${runs}`);
  const text =
    runtime === 'ort-web'
      ? await onnxruntimeWebTrace(bytes, input, runs)
      : await onnxruntimeNodeTrace(bytes, input, runs);
  const start = text.indexOf('[');
  const end = text.lastIndexOf(']');
  if (start < 0 || end < start)
    throw new Error(`${runtime} printed no profile (got ${text.length} characters)`);
  return summarizeTrace(JSON.parse(text.slice(start, end + 1)) as TraceEvent[], runtime);
}
