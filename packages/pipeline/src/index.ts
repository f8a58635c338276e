// @edgeml/pipeline: the engine. runPipeline runs the stages (train, distill, prune, quantize, export,
// package, bench, report) from one validated config, reusing each stage whose key (stage, version,
// config, backend, input hashes) matches a finished record. The CLI's `edgeml pipeline` is a thin
// wrapper over it.

export type { PipelineConfig, PipelineSectionName, TrainingSettings } from './config/config-schema.js';
export { PIPELINE_CONFIG_SCHEMA, PIPELINE_OPTIONS, PIPELINE_SECTIONS } from './config/config-schema.js';
export { loadPipelineConfig } from './config/load-config.js';
export type { GatedPass } from './config/objective.js';
export { GATED_PASSES, OBJECTIVE_OPTIONS } from './config/objective.js';
export type { PresetName } from './config/presets.js';
export { PRESET_NAMES, PRESETS } from './config/presets.js';
export { BENCH_TARGETS, PACKAGE_TARGETS } from './config/targets.js';
export { mergeConfig, validatePipelineConfig } from './config/validate-config.js';
export type { ModelCosts, PipelineResult, PipelineView, StageOutcome } from './engine/run-pipeline.js';
export { estimateStageSeconds, runPipeline } from './engine/run-pipeline.js';
export type { ModelRef, PipelineStage, StageContext, StageOutput } from './engine/stage.js';
export type { StageInput, StageRecord } from './engine/stage-record.js';
export type { AbOptions, AbPair, AbResult, TimedRun } from './gate/ab-compare.js';
export { compareLatency, compareLatencyWeighted } from './gate/ab-compare.js';
export type { GateDecision, GateMeasure, JudgeInput, Minimize } from './gate/judge-pass.js';
export { judgePass } from './gate/judge-pass.js';
export type { ObjectiveTarget, TimedModel } from './gate/target-latency.js';
export { OBJECTIVE_TARGETS, openTimedModel, TARGET_RUNTIME } from './gate/target-latency.js';
export type { DeploymentRow, GateRow, PipelineReport } from './report/collect.js';
export * from './search/index.js';
export { PIPELINE_STAGES } from './stages/index.js';
