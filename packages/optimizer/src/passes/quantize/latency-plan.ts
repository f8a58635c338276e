/**
 * The latency-aware precision plan for one runtime: which int8 layers to keep float there.
 * 1. Profile the float file and the int8 file on the runtime (onnxruntime's per-node times,
 *    profile-nodes.ts) and give each int8 conv/dense layer its kernel time in both (ORT's node names
 *    start with the IR node's name: `conv1/Conv_token_0`, `fused fc1/Gemm`).
 * 2. The candidate keeps float every layer whose int8 kernel is slower there than its float one.
 * 3. Verify on whole models, interleaved A/B on the same runtime: the candidate against the int8
 *    file it would replace. Only a candidate faster beyond the interval is kept; otherwise the
 *    plan is the int8 file as it is (the per-node times leave out the QuantizeLinear/DequantizeLinear
 *    and layout changes a float layer adds between int8 ones, and onnxruntime moves quantisation
 *    across pools, so a layer that looks slower alone can still be cheaper than its transitions).
 * 4. Give size back where it is free: each planned float layer, largest weights first, goes back to
 *    int8 when the A/B of the plan with it int8 against the plan without is at worst 2% slower
 *    (interval's low end >= 0.98): a big dense layer whose int8 kernel is slower alone may cost
 *    nothing measurable in the whole model while its float weights make the file 4x larger.
 * Both files are also compared with the float file, so the report says whether int8 pays at all on
 * that runtime. Profiling and comparing are injectable (tests give per-node times and verdicts).
 */

import type { SpeedupInterval, TimedRun } from './ab-latency.js';
import { interleavedSpeedup, openTimedRun } from './ab-latency.js';
import type { NodeProfile, ProfiledRuntime, ProfileInput } from './profile-nodes.js';
import { profileNodeTimes } from './profile-nodes.js';

/** One int8 layer's kernel time in the float and the int8 file (µs, median; null: not found). */
export interface LayerTiming {
  readonly node: string;
  readonly floatUs: number | null;
  readonly int8Us: number | null;
}

/** The plan for one runtime (in the quantize report, `plans`). */
export interface RuntimePlan {
  readonly runtime: ProfiledRuntime;
  readonly layers: readonly LayerTiming[];
  /** Layers whose int8 kernel was slower than float on this runtime (the candidate's float layers). */
  readonly slowerInInt8: readonly string[];
  /** 'int8': the int8 file as it is; 'plan': the candidate with `slowerInInt8` kept float. */
  readonly chosen: 'int8' | 'plan';
  /** Step 4's trials: a planned float layer back to int8, the A/B of that file against the plan, and whether it was taken. */
  readonly giveBack: readonly {
    readonly node: string;
    readonly vsPlan: SpeedupInterval;
    readonly taken: boolean;
  }[];
  /** Every layer float in the chosen file (accuracy fallback and plan). */
  readonly keptFloat: readonly string[];
  /** Speed-up of the int8 file over float, and of the candidate over the int8 file (when one was built). */
  readonly int8VsFloat: SpeedupInterval;
  readonly planVsInt8: SpeedupInterval | null;
  /** Speed-up of the chosen file over float. */
  readonly chosenVsFloat: SpeedupInterval;
}

/** Profiles one file on the runtime. */
export type ProfileFn = (bytes: Uint8Array, runtime: ProfiledRuntime) => Promise<NodeProfile>;
/** Speed-up of B over A on the runtime. */
export type CompareFn = (a: Uint8Array, b: Uint8Array, runtime: ProfiledRuntime) => Promise<SpeedupInterval>;

/** What planForRuntime needs. */
export interface PlanForRuntimeArgs {
  readonly runtime: ProfiledRuntime;
  readonly floatOnnx: Uint8Array;
  readonly int8Onnx: Uint8Array;
  /** Conv/dense layers that are int8 in `int8Onnx`. */
  readonly int8Layers: readonly string[];
  /** Layers already float in `int8Onnx` (on request or for accuracy). */
  readonly keptFloat: readonly string[];
  /** Emits the int8 file with these layers kept float. */
  readonly build: (keepFloat: readonly string[]) => Uint8Array;
  /** Output value of each layer (onnxruntime-node names NCHWc nodes after it). */
  readonly outputs?: Readonly<Record<string, string>>;
  /** Weight bytes per layer (float): step 4 tries the largest first. @default the int8Layers order */
  readonly weightBytes?: Readonly<Record<string, number>>;
  readonly profile: ProfileFn;
  readonly compare: CompareFn;
}

/**
 * Sum of the profiled times of the nodes ORT derived from IR node `layer`: named after it
 * (`conv1/Conv_token_0`, `fused fc1/Gemm`) or, for onnxruntime-node's NCHWc rewrite, after its
 * output value (`conv1_relu_nchwc`; pass the value's name as `output`).
 */
export function layerTime(profile: NodeProfile, layer: string, output?: string): number | null {
  const own = profile.nodes.filter((n) => {
    const name = n.name.startsWith('fused ') ? n.name.slice('fused '.length) : n.name;
    return (
      name === layer || name.startsWith(`${layer}/`) || (output !== undefined && name === `${output}_nchwc`)
    );
  });
  return own.length === 0 ? null : own.reduce((s, n) => s + n.us, 0);
}

/** Plans which layers stay float on `runtime` (see the file comment); returns the plan and the chosen bytes. */
export async function planForRuntime(
  args: PlanForRuntimeArgs,
): Promise<{ plan: RuntimePlan; bytes: Uint8Array }> {
  const { runtime, floatOnnx, int8Onnx } = args;
  const floatProfile = await args.profile(floatOnnx, runtime);
  const int8Profile = await args.profile(int8Onnx, runtime);
  const layers = args.int8Layers.map((node) => ({
    node,
    floatUs: layerTime(floatProfile, node, args.outputs?.[node]),
    int8Us: layerTime(int8Profile, node, args.outputs?.[node]),
  }));
  const slowerInInt8 = layers
    .filter((l) => l.floatUs !== null && l.int8Us !== null && l.int8Us > l.floatUs)
    .map((l) => l.node);
  const int8VsFloat = await args.compare(floatOnnx, int8Onnx, runtime);
  let planVsInt8: SpeedupInterval | null = null;
  let chosen: RuntimePlan['chosen'] = 'int8';
  let bytes = int8Onnx;
  let chosenVsFloat = int8VsFloat;
  let planned = [...slowerInInt8];
  const giveBack: { node: string; vsPlan: SpeedupInterval; taken: boolean }[] = [];
  if (slowerInInt8.length > 0) {
    const candidate = args.build([...args.keptFloat, ...slowerInInt8]);
    planVsInt8 = await args.compare(int8Onnx, candidate, runtime);
    if (planVsInt8.low > 1) {
      chosen = 'plan';
      bytes = candidate;
      const size = (n: string) => args.weightBytes?.[n] ?? 0;
      for (const node of [...slowerInInt8].sort((a, b) => size(b) - size(a))) {
        const fewer = planned.filter((n) => n !== node);
        const trial = args.build([...args.keptFloat, ...fewer]);
        const vsPlan = await args.compare(bytes, trial, runtime);
        const taken = vsPlan.low >= 0.98;
        giveBack.push({ node, vsPlan, taken });
        if (taken) {
          planned = fewer;
          bytes = trial;
        }
      }
      if (planned.length === 0) {
        // Every planned layer went back to int8: that is the int8 file.
        chosen = 'int8';
        bytes = int8Onnx;
      } else chosenVsFloat = await args.compare(floatOnnx, bytes, runtime);
    }
  }
  const keptFloat = chosen === 'plan' ? [...args.keptFloat, ...planned] : [...args.keptFloat];
  return {
    plan: {
      runtime,
      layers,
      slowerInInt8,
      chosen,
      giveBack,
      keptFloat,
      int8VsFloat,
      planVsInt8,
      chosenVsFloat,
    },
    bytes,
  };
}

/** The real profiler and A/B comparison on `input` (one image: batch 1). */
export function measuredOn(
  input: ProfileInput,
  profileRuns = 200,
): { profile: ProfileFn; compare: CompareFn } {
  return {
    profile: (bytes, runtime) => profileNodeTimes(bytes, runtime, input, profileRuns),
    compare: async (a, b, runtime) => {
      const sa = await openTimedRun(a, runtime, input);
      const sb = await openTimedRun(b, runtime, input);
      try {
        const runA: TimedRun = sa.run;
        return await interleavedSpeedup(runA, sb.run);
      } finally {
        await sa.release();
        await sb.release();
      }
    },
  };
}
