/**
 * Builds the pipeline report's numbers from the stage records: one row per model the pipeline
 * made (teacher, distilled student, pruned student, int8 model) with params, MACs, ONNX size,
 * accuracy (the stage's own measurement) and median latency per bench target; the Pareto fronts
 * of accuracy against size and against ort-node latency; what each pass changed; the teacher's
 * training curve.
 */
import type { JsonObject } from '@edgeml/core';
import type { StageRecord } from '../engine/stage-record.js';
import { paretoFront } from './pareto.js';

/** One model in the report. */
export interface ModelRow extends JsonObject {
  stage: string;
  model: string;
  precision: string;
  params: number;
  nonzeroParams: number;
  macs: number;
  onnxBytes: number;
  accuracy: number;
  /** Bench: accuracy per target on the bench images. */
  benchAccuracy: Record<string, number>;
  /** Bench: median end-to-end batch-1 latency (ms) per target. */
  latencyMs: Record<string, number>;
}

/** What one pass changed, in the field's words. */
export interface PassEffect extends JsonObject {
  pass: string;
  from: string;
  to: string;
  accuracyPoints: number;
  sizeRatio: number;
  paramsRatio: number;
  macsRatio: number;
  /** ort-node latency before / after (null when not benchmarked). */
  speedup: number | null;
  note: string;
}

/** The pass gate's decision on one pass (from its stage record), as the report shows it. */
export interface GateRow extends JsonObject {
  pass: string;
  /** The package it was judged against (`train/teacher`, `distill/student`, ...). */
  parent: string;
  target: string;
  minimize: string;
  kept: boolean;
  forced: boolean;
  pays: boolean;
  accuracyDropPoints: number;
  maxAccuracyDrop: number;
  /** Parent bytes / candidate bytes of the target's file. */
  sizeRatio: number;
  /** Interleaved A/B speed-up on the target and its interval (null when latency is not an objective). */
  speedup: number | null;
  low: number | null;
  high: number | null;
  confidence: number | null;
  verdict: string | null;
  blocks: number | null;
  /**
   * The runtime each target was measured on ('edgeml-wasm': the compiled module; 'ort-web' on a
   * web-family target: package.runtime 'ort-web' or a fallback, whose reason `fallback` gives) and
   * the two files compared. Empty for a gate recorded before the gate said so.
   */
  measured: {
    target: string;
    runtime: string;
    parentFile: string;
    parentBytes: number;
    candidateFile: string;
    candidateBytes: number;
    fallback: string | null;
  }[];
  reasons: string[];
}

/** The pipeline report (report.json). */
export interface PipelineReport extends JsonObject {
  createdAt: string;
  /** The gate's decision per pass, in pipeline order. */
  gates: GateRow[];
  /** The package the run ended with (what export/final and the packages hold). */
  final: string;
  stages: { stage: string; key: string; durationS: number; reused: boolean }[];
  models: ModelRow[];
  pareto: { size: string[]; latency: string[]; latencyTarget: string };
  passes: PassEffect[];
  curves: {
    epoch: number;
    loss: number;
    accuracy: number;
    valLoss: number | null;
    valAccuracy: number | null;
  }[];
  /** What the worker and web packages run (the package stage's record), or null without those targets. */
  deployment: DeploymentRow | null;
}

/** The package stage's runtime choice and the compiled modules behind it. */
export interface DeploymentRow extends JsonObject {
  precision: string;
  runtime: string;
  reason: string;
  /** One row per precision the compiler was tried on (empty when package.runtime is 'ort-web'). */
  compiled: {
    precision: string;
    usable: boolean;
    reason: string | null;
    wasmBytes: number | null;
    top1Agreement: number | null;
    maxAbsDiff: number | null;
    parityImages: number | null;
  }[];
}

/** The deployment row from the package stage's record. */
function deploymentOf(record: StageRecord | undefined): DeploymentRow | null {
  const r = record?.report;
  if (r === undefined || typeof r.runtime !== 'string') return null;
  type Variant = {
    precision: string;
    usable: boolean;
    reason?: string;
    wasm?: { bytes: number };
    parity?: { images: number; top1Agreement: number; maxAbsDiff: number };
  };
  return {
    precision: String(r.precision),
    runtime: r.runtime,
    reason: String(r.runtimeReason ?? ''),
    compiled: ((r.compiled ?? []) as Variant[]).map((v) => ({
      precision: v.precision,
      usable: v.usable,
      reason: v.reason ?? null,
      wasmBytes: v.wasm?.bytes ?? null,
      top1Agreement: v.parity?.top1Agreement ?? null,
      maxAbsDiff: v.parity?.maxAbsDiff ?? null,
      parityImages: v.parity?.images ?? null,
    })),
  };
}

type Case = {
  model: string;
  precision: string;
  target: string;
  status: string;
  accuracy?: number;
  p50Ms?: number;
};

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);

function exportBytes(exp: StageRecord, pkg: string, path: string): number {
  const files = (exp.report.files as Record<string, { path: string; bytes: number }[]>)[pkg] ?? [];
  return files.find((f) => f.path === path)?.bytes ?? Number.NaN;
}

/** The report's numbers from the finished stages' records (and which were reused this run). */
export function collectReport(
  records: ReadonlyMap<string, StageRecord>,
  reused: ReadonlySet<string>,
  curves: PipelineReport['curves'],
): PipelineReport {
  const get = (s: string) => {
    const r = records.get(s);
    if (!r) throw new Error(`the report needs stage '${s}'`);
    return r;
  };
  const train = get('train').report;
  const distill = get('distill').report;
  const prune = get('prune').report;
  const quantize = get('quantize').report;
  const exp = get('export');
  const cases = (get('bench').report.cases as Case[]).filter((c) => c.status === 'ok');
  const bench = (model: string, precision: string) => {
    const rows = cases.filter((c) => c.model === model && c.precision === precision);
    return {
      benchAccuracy: Object.fromEntries(rows.map((c) => [c.target, num(c.accuracy)])),
      latencyMs: Object.fromEntries(rows.map((c) => [c.target, num(c.p50Ms)])),
    };
  };
  const finalRef = typeof exp.report.final === 'string' ? exp.report.final : 'quantize/int8';
  const int8Onnx = (quantize.files as { path: string; int8Bytes: number }[]).find(
    (f) => f.path === 'model.int8.onnx',
  );
  // Which package each gated pass ran on (its gate's parent; the fixed chain when ungated).
  // The package each pass ran on, as its stage recorded it.
  const parentOf = (r: JsonObject, fallback: string) => (typeof r.parent === 'string' ? r.parent : fallback);
  const pruneParent = parentOf(prune, 'distill/student');
  const quantizeParent = parentOf(quantize, 'prune/pruned');
  const stageOfRef = (ref: string) => ref.split('/')[0] as string;
  const pruneLabel = `${pruneParent === 'train/teacher' ? train.model : distill.model} ${prune.method} ${prune.sparsity}`;
  const quantizeFrom =
    quantizeParent === 'train/teacher' ? train : quantizeParent === 'distill/student' ? distill : prune;
  const quantizeLabel = `${quantizeParent === 'train/teacher' ? train.model : quantizeParent === 'distill/student' ? distill.model : pruneLabel} int8`;
  const models: ModelRow[] = [
    {
      stage: 'train',
      model: String(train.model),
      precision: 'float32',
      params: num(train.params),
      nonzeroParams: num(train.params),
      macs: num(train.macs),
      onnxBytes: exportBytes(exp, 'teacher', 'model.onnx'),
      accuracy: num(train.accuracy),
      ...bench('teacher', 'float32'),
    },
    {
      stage: 'distill',
      model: String(distill.model),
      precision: 'float32',
      params: num(distill.params),
      nonzeroParams: num(distill.params),
      macs: num(distill.macs),
      onnxBytes: exportBytes(exp, 'student', 'model.onnx'),
      accuracy: num(distill.accuracy),
      ...bench('student', 'float32'),
    },
    {
      stage: 'prune',
      model: pruneLabel,
      precision: 'float32',
      params: num(prune.params),
      nonzeroParams: num(prune.nonzeroParams),
      macs: num(prune.macs),
      onnxBytes: num(prune.onnxBytes),
      accuracy: num(prune.accuracy),
      // The pruned float model is benchmarked as itself when it is final, or as the float files of
      // the int8 package made from it.
      ...bench(
        finalRef === 'quantize/int8' && quantizeParent === 'prune/pruned' ? 'int8' : 'pruned',
        'float32',
      ),
    },
    {
      stage: 'quantize',
      model: quantizeLabel,
      precision: 'int8',
      params: num(quantizeFrom.params),
      nonzeroParams: num(quantizeFrom.nonzeroParams ?? quantizeFrom.params),
      macs: num(quantizeFrom.macs),
      onnxBytes: int8Onnx?.int8Bytes ?? Number.NaN,
      accuracy: num(quantize.accuracy),
      ...bench('int8', 'int8'),
    },
  ];
  const latencyTarget = 'ort-node';
  const withLatency = models.filter((m) => m.latencyMs[latencyTarget] !== undefined);
  const effect = (pass: string, a: ModelRow, b: ModelRow, note: string): PassEffect => {
    const la = a.latencyMs[latencyTarget];
    const lb = b.latencyMs[latencyTarget];
    return {
      pass,
      from: a.stage,
      to: b.stage,
      accuracyPoints: (b.accuracy - a.accuracy) * 100,
      sizeRatio: a.onnxBytes / b.onnxBytes,
      paramsRatio: a.nonzeroParams / b.nonzeroParams,
      macsRatio: a.macs / b.macs,
      speedup: la !== undefined && lb !== undefined ? la / lb : null,
      note,
    };
  };
  const [t, s, p, q] = models as [ModelRow, ModelRow, ModelRow, ModelRow];
  const gates: GateRow[] = [];
  for (const stage of ['distill', 'prune', 'quantize']) {
    const g = records.get(`${stage}-gate`)?.report.gate as JsonObject | undefined;
    if (g === undefined) continue;
    const lat = (g.latency ?? null) as JsonObject | null;
    const n = (v: unknown) => (typeof v === 'number' ? v : null);
    gates.push({
      pass: String(g.pass),
      parent: String(g.parent),
      target: String(g.target),
      minimize: String(g.minimize),
      kept: g.kept === true,
      forced: g.forced === true,
      pays: g.pays === true,
      accuracyDropPoints: num(g.accuracyDropPoints),
      maxAccuracyDrop: num(g.maxAccuracyDrop),
      sizeRatio: num(g.sizeRatio),
      speedup: n(lat?.speedup),
      low: n(lat?.low),
      high: n(lat?.high),
      confidence: n(lat?.confidence),
      verdict: lat === null ? null : String(lat.verdict),
      blocks: n(lat?.blocks),
      measured: ((g.measured ?? []) as JsonObject[]).map((m) => {
        const parent = m.parent as JsonObject;
        const candidate = m.candidate as JsonObject;
        return {
          target: String(m.target),
          runtime: String(m.runtime),
          parentFile: String(parent.file),
          parentBytes: num(parent.bytes),
          candidateFile: String(candidate.file),
          candidateBytes: num(candidate.bytes),
          fallback: typeof m.fallback === 'string' ? m.fallback : null,
        };
      }),
      reasons: (g.reasons as string[]).map(String),
    });
  }
  const gain = distill.gainPoints;
  return {
    createdAt: new Date().toISOString(),
    stages: [...records.values()].map((r) => ({
      stage: r.stage,
      key: r.key,
      durationS: r.durationS,
      reused: reused.has(r.stage),
    })),
    gates,
    final: finalRef,
    deployment: deploymentOf(records.get('package')),
    models,
    pareto: {
      size: paretoFront(models.map((m) => ({ label: m.stage, accuracy: m.accuracy, cost: m.onnxBytes }))),
      latency: paretoFront(
        withLatency.map((m) => ({
          label: m.stage,
          accuracy: m.accuracy,
          cost: m.latencyMs[latencyTarget] ?? 0,
        })),
      ),
      latencyTarget,
    },
    passes: [
      effect(
        'distill',
        t,
        s,
        typeof gain === 'number'
          ? `${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points over the same student trained from scratch`
          : 'no from-scratch baseline (distill.baseline false)',
      ),
      effect(
        'prune',
        pruneParent === 'train/teacher' ? t : s,
        p,
        `before fine-tuning ${(num(prune.accuracyBeforeFinetune) * 100).toFixed(2)}%; ONNX gzip ${num((prune.original as JsonObject).onnxGzipBytes)} -> ${num(prune.onnxGzipBytes)} bytes`,
      ),
      effect(
        'quantize',
        models.find((m) => m.stage === stageOfRef(quantizeParent)) ?? p,
        q,
        `onnxruntime-node float ${(num(quantize.floatAccuracy) * 100).toFixed(2)}% vs int8 ${(num(quantize.accuracy) * 100).toFixed(2)}% on ${num(quantize.evalImages)} images`,
      ),
    ],
    curves,
  };
}
