/**
 * Adds one active data segment (the model's weights) to a WebAssembly binary: the data section's
 * segment count goes up by one and the segment is appended (a data section is created after the
 * code section when the module has none; a DataCount section, when present, is updated). The rest
 * of the binary is copied unchanged.
 */

import { UnsupportedError } from '@edgeml/core';

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const byte = bytes[i++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: i };
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

/** Signed LEB128 of a non-negative i32 (for `i32.const`). */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Returns `wasm` with `data` placed at byte `offset` of memory 0 by an extra active data segment. */
export function addDataSegment(wasm: Uint8Array, offset: number, data: Uint8Array): Uint8Array {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new UnsupportedError('addDataSegment: not a WebAssembly binary');
  }
  const segment = concat([[0x00, 0x41, ...sleb(offset), 0x0b, ...leb(data.length)], data]);
  const parts: (Uint8Array | number[])[] = [wasm.subarray(0, 8)];
  let at = 8;
  let added = false;
  const section = (id: number, body: Uint8Array): (Uint8Array | number[])[] => [
    [id, ...leb(body.length)],
    body,
  ];
  while (at < wasm.length) {
    const id = wasm[at]!;
    const size = readLeb(wasm, at + 1);
    const bodyStart = size.next;
    const bodyEnd = bodyStart + size.value;
    const body = wasm.subarray(bodyStart, bodyEnd);
    if (id === 12) {
      const count = readLeb(body, 0);
      parts.push(...section(12, new Uint8Array(leb(count.value + 1))));
    } else if (id === 11) {
      const count = readLeb(body, 0);
      parts.push(...section(11, concat([leb(count.value + 1), body.subarray(count.next), segment])));
      added = true;
    } else {
      parts.push(wasm.subarray(at, bodyEnd));
      // Sections after the code section are custom ones (names): the data section goes before them.
      if (id === 10 && !hasSection(wasm, bodyEnd, 11)) {
        parts.push(...section(11, concat([leb(1), segment])));
        added = true;
      }
    }
    at = bodyEnd;
  }
  if (!added) throw new UnsupportedError('addDataSegment: the module has no code section');
  return concat(parts);
}

function hasSection(wasm: Uint8Array, from: number, wanted: number): boolean {
  let at = from;
  while (at < wasm.length) {
    if (wasm[at] === wanted) return true;
    const size = readLeb(wasm, at + 1);
    at = size.next + size.value;
  }
  return false;
}
