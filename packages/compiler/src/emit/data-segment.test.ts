/**
 * addDataSegment on real asc output: a module without a data section (one is created after the
 * code section) and one with AssemblyScript's own static data (the segment is appended); the bytes
 * must be in memory at the offset after instantiation, and the module's own data untouched.
 */

import { describe, expect, it } from 'vitest';
import { assemble } from './assemble.js';
import { addDataSegment } from './data-segment.js';

const payload = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);

async function memoryOf(wasm: Uint8Array): Promise<{ memory: Uint8Array; exports: WebAssembly.Exports }> {
  const { instance } = await WebAssembly.instantiate(new Uint8Array(wasm), {});
  return {
    memory: new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer),
    exports: instance.exports,
  };
}

describe('addDataSegment', () => {
  it('creates a data section in a module that has none', async () => {
    const { wasm } = await assemble('export function run(): i32 { return load<u8>(20); }', 1024);
    const patched = addDataSegment(wasm, 16, payload);
    const { memory, exports } = await memoryOf(patched);
    expect(memory.subarray(16, 16 + payload.length)).toEqual(payload);
    expect((exports.run as () => number)()).toBe(payload[4]);
  });

  it("appends to AssemblyScript's data section and keeps its data", async () => {
    const source = 'export function run(x: f32): f32 { return Mathf.exp(x) + <f32>load<u8>(17); }';
    const { wasm } = await assemble(source, 1024);
    const before = await memoryOf(wasm);
    const patched = addDataSegment(wasm, 16, payload);
    const after = await memoryOf(patched);
    expect(after.memory.subarray(16, 16 + payload.length)).toEqual(payload);
    // AssemblyScript's static data (the exp tables) sits above memoryBase, unchanged.
    expect(after.memory.subarray(1024, 4096)).toEqual(before.memory.subarray(1024, 4096));
    expect((after.exports.run as (x: number) => number)(1)).toBeCloseTo(Math.E + payload[1]!, 5);
  });

  it('refuses bytes that are not WebAssembly', () => {
    expect(() => addDataSegment(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 16, payload)).toThrow(
      /not a WebAssembly binary/,
    );
  });
});
