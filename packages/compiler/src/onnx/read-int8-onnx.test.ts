/**
 * readInt8Onnx against the optimizer's own QDQ emitter: every int8 fixture graph (conv, depthwise
 * x2, dense, pools, global average pool, residual adds, an int8 ReLU node) and the op-coverage graph
 * (float nodes between int8 ones: Pad, Concat, BatchNorm, hard-swish, broadcast Mul, ...) is
 * quantised by quantizeGraph, written by emitOnnxQdq (uint8 and int8 activations) and read back:
 * the same ops, fused activations, int8 weights, int32 biases, and every scale and zero point as
 * float32 (what the file stores). The read graph compiles, and with the reference arithmetic gives
 * the integer reference's outputs on the original graph. The onnxruntime comparison is in
 * test/compile-int8-onnx.test.ts.
 */

import { UnsupportedError } from '@edgeml/core';
import { emitOnnxQdq, type IrGraph, interpretInt8Graph } from '@edgeml/optimizer';
import { describe, expect, it } from 'vitest';
// Test-only fixtures of the optimizer (its package exports no testing entry).
import {
  INT8_FIXTURE_CASES,
  quantizeFixture,
  randomInput,
} from '../../../optimizer/src/testing/int8-fixtures.js';
import { opCoverageGraph } from '../../../optimizer/src/testing/op-coverage-graph.js';
import { compileGraph } from '../compile-graph.js';
import { loadCompiled } from '../testing/load-compiled.js';
import { readInt8Onnx } from './read-int8-onnx.js';

const f = Math.fround;

/** Asserts `back` (read from the file) is `original` (quantizeGraph's) as a float32 file stores it. */
function expectSameQuantisation(original: IrGraph, back: IrGraph): void {
  expect(back.nodes.map((n) => n.op)).toEqual(original.nodes.map((n) => n.op));
  for (const [i, node] of original.nodes.entries()) {
    const read = back.nodes[i]!;
    const label = `${node.name} (${node.op})`;
    expect({ label, attrs: read.attrs }).toEqual({ label, attrs: node.attrs });
    const out = original.tensors[node.outputs[0]!]!;
    const readOut = back.tensors[read.outputs[0]!]!;
    expect({ label, dtype: readOut.dtype, shape: readOut.shape }).toEqual({
      label,
      dtype: out.dtype,
      shape: out.shape,
    });
    if (out.dtype === 'int8') {
      expect({ label, scale: readOut.quant!.scale, zp: readOut.quant!.zeroPoint }).toEqual({
        label,
        scale: [f(out.quant!.scale[0]!)],
        zp: out.quant!.zeroPoint,
      });
    }
    for (const k of [1, 2]) {
      const t = node.inputs[k] === undefined ? undefined : original.tensors[node.inputs[k]]!;
      if (t?.data === undefined || t.dtype === 'float32') continue;
      const r = back.tensors[read.inputs[k]!]!;
      expect({ label, k, dtype: r.dtype, shape: r.shape }).toEqual({
        label,
        k,
        dtype: t.dtype,
        shape: t.shape,
      });
      expect(Array.from(r.data!)).toEqual(Array.from(t.data));
      if (k === 1) expect(r.quant!.scale).toEqual(t.quant!.scale.map((s) => f(s)));
    }
  }
}

describe('readInt8Onnx on emitOnnxQdq files', () => {
  // The dense fixtures take a rank-2 input; edgeml compile takes images.
  for (const [name, build] of INT8_FIXTURE_CASES.filter(([n]) => !n.startsWith('dense'))) {
    it(`${name}: the same quantised graph back, and the integer reference's outputs`, async () => {
      const { graph } = await quantizeFixture(build());
      for (const activations of ['uint8', 'int8'] as const) {
        const back = readInt8Onnx(emitOnnxQdq(graph, { activations }));
        expectSameQuantisation(graph, back);
      }
      const back = readInt8Onnx(emitOnnxQdq(graph));
      const model = await loadCompiled(await compileGraph(back));
      const input = randomInput(graph.tensors['x']!.shape as number[], 8, 5);
      const size = input.data.length / 8;
      const out = graph.outputs[0]!;
      const outQuant = graph.tensors[out]!.quant;
      for (let i = 0; i < 8; i++) {
        const x = input.data.slice(i * size, (i + 1) * size);
        const ref = interpretInt8Graph(graph, { x: { data: x, shape: [1, ...input.shape.slice(1)] } })[out]!
          .value;
        const got = model.run(x);
        // Scales are float32 in the file: at most one step apart from the float64 original.
        const step = outQuant?.scale[0] ?? 1e-6;
        for (let k = 0; k < got.length; k++) {
          expect(Math.abs(got[k]! - ref.data[k]!)).toBeLessThanOrEqual(step * 1.0001 + 1e-6);
        }
      }
    });
  }

  it('op-coverage graph: float nodes between int8 ones come back as float nodes; same outputs', async () => {
    const { graph, report } = await quantizeFixture(opCoverageGraph());
    expect(report.floatNodes.length).toBeGreaterThan(0);
    const back = readInt8Onnx(emitOnnxQdq(graph));
    const int8Of = (g: IrGraph) =>
      g.nodes.filter((n) => g.tensors[n.outputs[0]!]!.dtype === 'int8').map((n) => `${n.name}:${n.op}`);
    expect(int8Of(back)).toEqual(int8Of(graph));
    // Fused sigmoid / hard-swish and a 3-input Add come back as the float nodes ONNX spells them.
    expect(back.nodes.length).toBeGreaterThanOrEqual(graph.nodes.length);
    const [a, b] = await Promise.all([compileGraph(graph), compileGraph(back)]);
    const [ma, mb] = [await loadCompiled(a), await loadCompiled(b)];
    const input = randomInput(graph.tensors['x']!.shape as number[], 4, 9);
    const size = input.data.length / 4;
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      const x = input.data.slice(i * size, (i + 1) * size);
      const [ya, yb] = [ma.run(x), mb.run(x)];
      for (let k = 0; k < ya.length; k++) worst = Math.max(worst, Math.abs(ya[k]! - yb[k]!));
    }
    const out = graph.tensors[graph.outputs[0]!]!;
    expect(worst).toBeLessThanOrEqual((out.quant?.scale[0] ?? 1e-3) * 1.0001 + 1e-5);
  });

  it('refuses bytes that are not ONNX with an UnsupportedError naming the file', () => {
    expect(() => readInt8Onnx(new Uint8Array([1, 2, 3, 255]), { file: 'x.onnx' })).toThrow(UnsupportedError);
  });
});
