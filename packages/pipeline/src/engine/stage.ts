/**
 * The contract of one pipeline stage: a name, a version (bump it when the stage's output changes
 * for the same config), the slice of the config that determines it, its inputs (earlier stages'
 * packages, by manifest sha256) and the work, which writes into the stage's own directory.
 */
import type { JsonObject, JsonValue, ProgressCallback } from '@edgeml/core';
import type { Dataset, LoadDatasetOptions } from '@edgeml/trainer';
import type { PipelineConfig } from '../config/config-schema.js';
import type { StageInput, StageRecord } from './stage-record.js';

/** What a stage may use while it runs. */
export interface StageContext {
  readonly config: PipelineConfig;
  /** The run directory (absolute). */
  readonly runDir: string;
  /** The TF.js backend in use. */
  readonly backend: string;
  /** The data set, loaded once per pipeline run. */
  dataset(): Promise<Dataset>;
  /** The options the data set is loaded with (recorded in the teacher's manifest as `data`). */
  readonly datasetOptions: LoadDatasetOptions;
  /** Records of the stages before this one, by stage name. */
  readonly records: ReadonlyMap<string, StageRecord>;
  /** Stages reused from an earlier run (cache hits) in this run so far. */
  readonly reused: ReadonlySet<string>;
  /** Absolute path of an output package of an earlier stage. */
  packageDir(stage: string, role: string): string;
  /** An earlier stage's output package as an input identity (its manifest sha256). */
  packageInput(stage: string, role: string): Promise<StageInput>;
  /**
   * The package the run continues from after `stage`: its own output when its pass was kept, its
   * parent's when the pass was rejected (the record's `next`), else its first output package.
   */
  continueFrom(stage: string): ModelRef;
  readonly onProgress: ProgressCallback;
  note(line: string): void;
}

/** An output package of a stage, by role. */
export interface ModelRef {
  readonly stage: string;
  readonly role: string;
}

/** What a stage's work returns. */
export interface StageOutput {
  /** Output model packages, relative to the stage directory, by role. */
  readonly packages: Readonly<Record<string, string>>;
  /** Other outputs, relative to the stage directory. */
  readonly files?: Readonly<Record<string, string>>;
  /** Measured numbers for the final report. */
  readonly report: JsonObject;
  /** The package later stages continue from (a rejected pass names its parent); default: its first package. */
  readonly next?: ModelRef;
}

/** One stage of `edgeml pipeline`. */
export interface PipelineStage {
  readonly name: string;
  readonly version: number;
  /** One line for the progress view. */
  readonly title: string;
  /** The config that determines this stage's output. */
  config(config: PipelineConfig): JsonValue;
  /** Identities of the inputs (earlier stages' packages, the data set). */
  inputs(ctx: StageContext): Promise<StageInput[]>;
  /** Does the work into `dir` (empty when it starts). */
  run(ctx: StageContext, dir: string): Promise<StageOutput>;
}
