/**
 * The static memory plan: every run-time buffer of a Program gets a fixed byte offset, chosen so
 * that buffers whose lifetimes overlap never share memory and the others reuse it (first fit by
 * lifetime, in step order). Lifetimes run from the first step that writes a buffer to the last that
 * reads it or any buffer aliasing it; the input lives from the start, the output and the kernels'
 * scratch to the end. Each buffer gets 16 bytes of slack, so SIMD loads that run past its last
 * element stay inside it.
 */

import type { Program } from '../lowering/program.js';

const ELEMENT_BYTES = { float32: 4, int8: 1, int32: 4 } as const;
/** Alignment of every buffer and of the arena. */
export const ALIGNMENT = 16;
const SLACK = 16;

/** Offsets of the run-time buffers, relative to the arena's start. */
export interface MemoryPlan {
  /** Byte offset of each buffer (aliases share their root's offset). */
  readonly offsets: ReadonlyMap<string, number>;
  /** Bytes the arena needs. */
  readonly arenaBytes: number;
  /** Bytes all buffers would need without reuse (for the report). */
  readonly unsharedBytes: number;
}

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

/** Plans the arena of `program`. */
export function planMemory(program: Program): MemoryPlan {
  const rootOf = (name: string): string => {
    let b = program.buffers.get(name)!;
    while (b.aliasOf !== undefined) b = program.buffers.get(b.aliasOf)!;
    return b.name;
  };
  const last = program.steps.length;
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  const touch = (name: string, i: number) => {
    const root = rootOf(name);
    if (!start.has(root)) start.set(root, i);
    end.set(root, Math.max(end.get(root) ?? i, i));
  };
  touch(program.input.buffer, -1);
  program.steps.forEach((step, i) => {
    for (const name of [...step.writes, ...step.reads]) touch(name, i);
  });
  touch(program.output.buffer, last);
  if (program.buffers.has('scratch')) {
    start.set('scratch', -1);
    end.set('scratch', last);
  }
  const roots = [...start.keys()].sort((a, b) => start.get(a)! - start.get(b)! || a.localeCompare(b));
  const placed: { name: string; offset: number; size: number; start: number; end: number }[] = [];
  const offsets = new Map<string, number>();
  let arenaBytes = 0;
  let unsharedBytes = 0;
  for (const name of roots) {
    const b = program.buffers.get(name)!;
    const size = align(b.length * ELEMENT_BYTES[b.type] + SLACK);
    unsharedBytes += size;
    const s = start.get(name)!;
    const e = end.get(name)!;
    const live = placed.filter((p) => p.start <= e && s <= p.end).sort((p, q) => p.offset - q.offset);
    let offset = 0;
    for (const p of live) {
      if (offset + size <= p.offset) break;
      offset = Math.max(offset, p.offset + p.size);
    }
    placed.push({ name, offset, size, start: s, end: e });
    offsets.set(name, offset);
    arenaBytes = Math.max(arenaBytes, offset + size);
  }
  for (const name of program.buffers.keys()) {
    if (!offsets.has(name) && start.has(rootOf(name))) offsets.set(name, offsets.get(rootOf(name))!);
  }
  return { offsets, arenaBytes, unsharedBytes };
}
