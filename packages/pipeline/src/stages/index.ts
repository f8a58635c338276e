/** The pipeline's stages in the order they run. */
import type { PipelineStage } from '../engine/stage.js';
import { benchStage } from './bench-stage.js';
import { distillStage } from './distill-stage.js';
import { exportStage } from './export-stage.js';
import { distillGateStage, pruneGateStage, quantizeGateStage } from './gate-stage.js';
import { packageStage } from './package-stage.js';
import { pruneStage } from './prune-stage.js';
import { quantizeStage } from './quantize-stage.js';
import { reportStage } from './report-stage.js';
import { trainStage } from './train-stage.js';

/** Every stage, in order. */
export const PIPELINE_STAGES: readonly PipelineStage[] = [
  trainStage,
  distillStage,
  distillGateStage,
  pruneStage,
  pruneGateStage,
  quantizeStage,
  quantizeGateStage,
  exportStage,
  packageStage,
  benchStage,
  reportStage,
];
