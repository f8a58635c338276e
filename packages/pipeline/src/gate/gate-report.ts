/** A gate decision as plain JSON for a stage record (non-finite interval ends become null). */
import type { JsonObject } from '@edgeml/core';
import type { ModelRef } from '../engine/stage.js';
import type { GateDecision } from './judge-pass.js';

/** The decision and the parent it was judged against, as the stage record keeps them. */
export function gateReport(decision: GateDecision, parent: ModelRef): JsonObject {
  return JSON.parse(JSON.stringify({ ...decision, parent: `${parent.stage}/${parent.role}` })) as JsonObject;
}
