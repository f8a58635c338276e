/**
 * The objective of a pipeline run, declared once (config section `objective`): the deploy targets
 * (with weights),
 * the accuracy budget against the teacher, what to minimise, and how the pass gate measures. After
 * each pass (distill, prune, quantize) the candidate is judged against its parent on this
 * objective; a pass that does not pay is rejected and the run continues from the parent.
 */
import type { OptionDecls } from '@edgeml/core';
import { OBJECTIVE_TARGETS } from '../gate/target-latency.js';

/** The passes the gate judges, in pipeline order. */
export const GATED_PASSES = ['distill', 'prune', 'quantize'] as const;
/** A pass the gate judges. */
export type GatedPass = (typeof GATED_PASSES)[number];

/** The `objective` section's options. */
export const OBJECTIVE_OPTIONS = {
  targets: {
    kind: 'list',
    values: OBJECTIVE_TARGETS,
    default: ['worker'],
    description:
      "deploy targets whose latency and files the gate judges ('worker', 'ort-web' and 'chromium' are timed on what package.runtime ships: the compiled module (edgeml-wasm), or onnxruntime-web wasm, 1 thread, with ort-web or when the model does not compile; the search times them on onnxruntime-web); several: their weighted geometric mean",
  },
  weights: {
    kind: 'list',
    integers: true,
    minItems: 0,
    default: [],
    description: 'relative weight of each target, in the order of targets (empty: equal weights)',
  },
  maxAccuracyDrop: {
    kind: 'number',
    min: 0,
    max: 100,
    default: 1,
    description: 'accuracy budget: points a kept model may lose against the teacher (test split)',
  },
  minimize: {
    kind: 'choice',
    values: ['both', 'latency', 'size'],
    default: 'both',
    description:
      "what a pass must improve: 'latency' on the target, 'size' of the target's file, or 'both' (one of them, and neither worse: a Pareto improvement)",
  },
  gate: {
    kind: 'boolean',
    default: true,
    description: 'reject passes that do not pay (false: keep every pass, still measure and report)',
  },
  forcePasses: {
    kind: 'list',
    values: GATED_PASSES,
    minItems: 0,
    default: [],
    description: 'passes kept even when they do not pay (the report says so)',
  },
  minSizeGain: {
    kind: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    default: 0.05,
    description: 'smallest relative file-size reduction that counts as smaller (0.05: 5%)',
  },
  latencyBudgetS: {
    kind: 'number',
    min: 1,
    max: 600,
    default: 30,
    description: 'seconds the interleaved A/B latency comparison of one pass may take at most',
  },
  confidence: {
    kind: 'number',
    min: 0.5,
    max: 1,
    maxExclusive: true,
    default: 0.95,
    description: 'confidence of the latency interval (two-sided)',
  },
} as const satisfies OptionDecls;
