/**
 * Lineage steps: the record each command or pass appends to a package, so that any file can be
 * traced back to its inputs (by hash), its config and the tool version that made it.
 */

import type { JsonObject, LineageInput, LineageStep } from './types.js';
import { checkLineageStep } from './validate.js';

/** What a caller states about a step; the tool name and timestamp are filled in. */
export interface LineageStepInit {
  /** `command` for a CLI command, `pass` for one optimizer pass. */
  kind: LineageStep['kind'];
  /** Command or pass name. */
  name: string;
  /** The validated config, plain JSON. */
  config: JsonObject;
  /** Inputs by content hash. */
  inputs?: LineageInput[];
  /** Package paths produced. */
  outputs?: string[];
  /** Version of the edgeml package that ran the step. */
  toolVersion: string;
  /** Duration in milliseconds. */
  durationMs?: number;
  /** Measured report, plain JSON. */
  report?: JsonObject;
  /** Timestamp to record. @default new Date() */
  createdAt?: Date;
}

/** Builds and validates a lineage step run by edgeml. */
export function createLineageStep(init: LineageStepInit): LineageStep {
  return checkLineageStep(
    {
      kind: init.kind,
      name: init.name,
      config: init.config,
      inputs: init.inputs ?? [],
      ...(init.outputs !== undefined && { outputs: init.outputs }),
      createdAt: (init.createdAt ?? new Date()).toISOString(),
      tool: { name: 'edgeml', version: init.toolVersion },
      ...(init.durationMs !== undefined && { durationMs: init.durationMs }),
      ...(init.report !== undefined && { report: init.report }),
    },
    'lineageStep',
  );
}
