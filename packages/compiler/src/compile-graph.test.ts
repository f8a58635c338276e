/**
 * compileGraph on graphs built here and on the optimizer's op-coverage graph (every IR op, with
 * what the zoo lacks: Pad, dilation, depth multiplier 2, unfolded BatchNorm, Concat, 3-input Add,
 * broadcast Mul, hard-swish): outputs compared with the float reference interpreter; ops without a
 * kernel refused with a typed error naming the op. The zoo and int8 suites are in
 * test/conformance-compiled.test.ts.
 */

import { UnsupportedError } from '@edgeml/core';
import { type IrGraph, interpretGraph } from '@edgeml/optimizer';
import { describe, expect, it } from 'vitest';
// A test-only fixture of the optimizer (its package exports no testing entry).
import { OP_COVERAGE_INPUT_SHAPE, opCoverageGraph } from '../../optimizer/src/testing/op-coverage-graph.js';
import { compileGraph } from './compile-graph.js';
import { lowerGraph } from './lowering/lower-graph.js';
import { planMemory } from './memory-plan/plan-memory.js';
import { loadCompiled } from './testing/load-compiled.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('compileGraph', () => {
  it('runs every IR op as the reference interpreter does (max |diff| <= 1e-5 on 8 inputs)', async () => {
    const graph = opCoverageGraph();
    const compiled = await compileGraph(graph);
    const model = await loadCompiled(compiled);
    const n = OP_COVERAGE_INPUT_SHAPE.reduce((a, b) => a * b, 1);
    let worst = 0;
    for (let k = 0; k < 8; k++) {
      const x = Float32Array.from({ length: n }, (_, i) => 2 * Math.sin(i * 0.37 + k));
      const ref = interpretGraph(graph, { x: { data: x, shape: [1, ...OP_COVERAGE_INPUT_SHAPE] } })['out']!;
      worst = Math.max(worst, maxAbsDiff(model.run(x), ref.data));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(compiled.report.precision).toBe('float32');
    expect(Object.keys(compiled.report.ops).length).toBeGreaterThanOrEqual(18);
    // Buffers are reused: the arena is smaller than the sum of the buffers.
    expect(compiled.report.arenaBytes).toBeLessThan(compiled.report.arenaBytesWithoutReuse);
  });

  it('with profile: run_step(0..n-1) in order computes what run() computes; report.steps names each call', async () => {
    const graph = opCoverageGraph();
    const compiled = await compileGraph(graph, { profile: true });
    const steps = compiled.report.steps!;
    expect(steps).toHaveLength(compiled.report.kernelCalls);
    expect(steps.every((s) => s.kernel.length > 0 && s.node.length > 0)).toBe(true);
    const e = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(compiled.wasm)), {})
      .exports as unknown as {
      memory: WebAssembly.Memory;
      input_offset(): number;
      input_length(): number;
      output_offset(): number;
      output_length(): number;
      run(): void;
      run_step(i: number): void;
      step_count(): number;
    };
    expect(e.step_count()).toBe(steps.length);
    const x = Float32Array.from({ length: e.input_length() }, (_, i) => Math.cos(i * 0.11));
    const output = () => new Float32Array(e.memory.buffer, e.output_offset(), e.output_length()).slice();
    new Float32Array(e.memory.buffer, e.input_offset(), x.length).set(x);
    e.run();
    const whole = output();
    new Float32Array(e.memory.buffer, e.output_offset(), e.output_length()).fill(Number.NaN);
    new Float32Array(e.memory.buffer, e.input_offset(), x.length).set(x);
    for (let i = 0; i < steps.length; i++) e.run_step(i);
    expect(output()).toEqual(whole);
    // Without profile the report lists no steps (and the module exports no run_step).
    expect((await compileGraph(graph)).report.steps).toBeUndefined();
  });

  it('gives buffers whose lifetimes overlap disjoint memory', () => {
    const program = lowerGraph(opCoverageGraph());
    const plan = planMemory(program);
    const live = (name: string) => {
      let root = name;
      while (program.buffers.get(root)!.aliasOf) root = program.buffers.get(root)!.aliasOf!;
      return root;
    };
    const size = (name: string) => {
      const b = program.buffers.get(name)!;
      return b.length * (b.type === 'int8' ? 1 : 4);
    };
    // Every step: what it reads and writes must not overlap each other (except a buffer with itself).
    for (const step of program.steps) {
      const names = [...new Set([...step.reads, ...step.writes].map(live))];
      for (const a of names)
        for (const b of names) {
          if (a === b) continue;
          const [oa, ob] = [plan.offsets.get(a)!, plan.offsets.get(b)!];
          expect(oa + size(a) <= ob || ob + size(b) <= oa, `${step.node}: ${a} and ${b}`).toBe(true);
        }
    }
  });

  it('refuses an op it has no kernel for with an UnsupportedError naming the op and node', async () => {
    const graph = opCoverageGraph();
    // The same graph with its Concat node's output marked int8: there is no int8 Concat kernel.
    const concat = graph.nodes.find((n) => n.op === 'Concat')!;
    const out = concat.outputs[0]!;
    const int8Concat: IrGraph = {
      ...graph,
      tensors: {
        ...graph.tensors,
        [out]: { ...graph.tensors[out]!, dtype: 'int8', quant: { scale: [0.1], zeroPoint: [0] } },
      },
    };
    const error = await compileGraph(int8Concat).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toContain("no int8 kernel for op 'Concat'");
    expect((error as UnsupportedError).details).toMatchObject({ op: 'Concat', node: concat.name });
  });
});
