/**
 * Where everything sits in the module's memory: nothing below WEIGHTS_BASE, then the constants
 * (weights, biases, multipliers; each 16-byte aligned) that the data segment fills, then the arena
 * of run-time buffers from the memory plan. AssemblyScript's own static data (its math tables) is
 * placed above all of it with `--memoryBase`.
 */

import type { Program } from '../lowering/program.js';
import { ALIGNMENT, type MemoryPlan } from '../memory-plan/plan-memory.js';

/** First byte of the constants. */
export const WEIGHTS_BASE = 16;

/** Absolute byte offsets of every constant and buffer, and the data segment. */
export interface MemoryLayout {
  readonly constants: ReadonlyMap<string, number>;
  readonly buffers: ReadonlyMap<string, number>;
  /** The constants' bytes, placed at WEIGHTS_BASE. */
  readonly weights: Uint8Array;
  readonly arenaBase: number;
  /** Where AssemblyScript's static data starts (end of the arena). */
  readonly memoryBase: number;
}

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

/** Lays out the constants of `program` and its planned arena. */
export function layoutMemory(program: Program, plan: MemoryPlan): MemoryLayout {
  const constants = new Map<string, number>();
  let at = 0;
  for (const c of program.constants) {
    constants.set(c.name, WEIGHTS_BASE + at);
    at = align(at + c.bytes.length);
  }
  const weights = new Uint8Array(at);
  for (const c of program.constants) weights.set(c.bytes, constants.get(c.name)! - WEIGHTS_BASE);
  const arenaBase = align(WEIGHTS_BASE + at);
  const buffers = new Map<string, number>();
  for (const [name, offset] of plan.offsets) buffers.set(name, arenaBase + offset);
  return { constants, buffers, weights, arenaBase, memoryBase: align(arenaBase + plan.arenaBytes) };
}
