/**
 * Which kernels onnxruntime-node actually ran: creates a session with profiling enabled
 * (`enableProfiling`, `profileFilePrefix` in a temporary folder), runs the model, ends profiling and
 * reads ORT's JSON trace, counting the `Node` events by `op_name`. The way to see whether a QDQ
 * model was fused into QLinearConv / QGemm or fell back to float kernels.
 */

import type { OrtOptimizationLevel } from './parity.js';

/** Kernel op names and how many node executions each had in one profiled run. */
export type KernelCounts = Readonly<Record<string, number>>;

/** Options of profileOnnxKernels. */
export interface ProfileOnnxOptions {
  /** @default 'all' */
  readonly optimizationLevel?: OrtOptimizationLevel;
  /** Runs to profile. @default 1 */
  readonly runs?: number;
}

interface ProfileEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly args?: { readonly op_name?: string };
}

/** Runs `bytes` in onnxruntime-node with profiling on; returns the kernels that ran (per run). */
export async function profileOnnxKernels(
  bytes: Uint8Array,
  input: { readonly name: string; readonly x: Float32Array; readonly shape: readonly number[] },
  options: ProfileOnnxOptions = {},
): Promise<KernelCounts> {
  const [{ mkdtemp, readdir, readFile, rm }, { tmpdir }, { join }, ort] = await Promise.all([
    import('node:fs/promises'),
    import('node:os'),
    import('node:path'),
    import('onnxruntime-node'),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'edgeml-ort-profile-'));
  try {
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: options.optimizationLevel ?? 'all',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort'),
    });
    const runs = options.runs ?? 1;
    for (let i = 0; i < runs; i++) {
      await session.run({ [input.name]: new ort.Tensor('float32', input.x, [...input.shape]) });
    }
    session.endProfiling();
    await session.release();
    const file = (await readdir(dir)).find((f) => f.endsWith('.json'));
    if (file === undefined) throw new Error(`onnxruntime wrote no profile into ${dir}`);
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as ProfileEvent[];
    const counts: Record<string, number> = {};
    for (const e of events) {
      // One `<node>_kernel_time` event per node execution.
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue;
      counts[e.args.op_name] = (counts[e.args.op_name] ?? 0) + 1 / runs;
    }
    return counts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
