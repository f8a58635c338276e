/**
 * ONNX QOperator conformance: every int8 fixture of the QDQ table and the zoo models cnn-small and
 * resnet8 (seeded stand-in weights), written with emitOnnxQOperator, run in onnxruntime-node and
 * onnxruntime-web (wasm, in Node): fixtures within one int8 step of the integer reference and of the
 * QDQ file; the zoo models' float softmax outputs within 0.02 of both (one int8 step on a logit moves
 * a probability by at most half a logits step, 0.025-0.032 here; 0.0015 measured). ORT's profile
 * shows integer kernels only: one QuantizeLinear of the input, one DequantizeLinear of the output
 * (or in front of the float softmax), nothing float in between.
 */

import { describe, expect, it } from 'vitest';
import type { IrGraph } from '../../ir/types.js';
import { calibrate } from '../../passes/quantize/calibrate.js';
import { interpretInt8Graph } from '../../passes/quantize/int8-reference.js';
import { ortWebSession } from '../../passes/quantize/measure.js';
import { quantizeGraph } from '../../passes/quantize/quantize-graph.js';
import { quantFixture } from '../../passes/quantize/testing-fixture.js';
import {
  INT8_FIXTURE_CASES,
  quantizeFixture,
  randomInput,
  residual,
  singleLayer,
  steps,
} from '../../testing/int8-fixtures.js';
import { emitOnnxQdq } from './emit-qdq.js';
import { emitOnnxQOperator } from './emit-qoperator.js';
import { type KernelCounts, profileOnnxKernels } from './ort-profile.js';
import { onnx } from './proto.js';

interface Input {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

async function runNode(bytes: Uint8Array, x: Input): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
    return out['probs']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

async function runWeb(bytes: Uint8Array, x: Input): Promise<Float32Array> {
  const { ort, session } = await ortWebSession(bytes);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
    return out['probs']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Kernels that would mean a compute op ran in float. */
const FLOAT_COMPUTE = ['Conv', 'FusedConv', 'Gemm', 'MatMul', 'FusedGemm', 'Add', 'Relu', 'AveragePool'];

/** Asserts integer kernels only, between one QuantizeLinear in and `dequantize` DequantizeLinear(s) out. */
function expectIntegerKernels(kernels: KernelCounts, dequantize = 1): void {
  for (const float of [...FLOAT_COMPUTE, 'GlobalAveragePool']) expect(kernels[float] ?? 0, float).toBe(0);
  expect(kernels['QuantizeLinear']).toBe(1);
  expect(kernels['DequantizeLinear']).toBe(dequantize);
}

function firstImage(x: Input): { name: string; x: Float32Array; shape: number[] } {
  const per = x.data.length / x.shape[0]!;
  return { name: 'input', x: x.data.subarray(0, per), shape: [1, ...x.shape.slice(1)] };
}

describe('int8 fixture layers: ONNX QOperator vs the integer reference and the QDQ file', () => {
  it.each(INT8_FIXTURE_CASES)(
    '%s: within one int8 step in onnxruntime-node and -web',
    async (_name, make) => {
      const graph = make();
      const { graph: q } = await quantizeFixture(graph);
      const out = graph.outputs[0]!;
      const x = randomInput(graph.tensors['x']!.shape as number[], 4, 2);
      const ref = interpretInt8Graph(q, { x: { data: x.data, shape: x.shape } })[out]!.value.data;
      const scale = q.tensors[out]!.quant!.scale[0]!;
      const bytes = emitOnnxQOperator(q);
      const qdq = await runNode(emitOnnxQdq(q), x);
      for (const result of [await runNode(bytes, x), await runWeb(bytes, x)]) {
        expect(steps(result, ref, scale)).toBeLessThanOrEqual(1.0001);
        expect(steps(result, qdq, scale)).toBeLessThanOrEqual(1.0001);
      }
      expectIntegerKernels(await profileOnnxKernels(bytes, firstImage(x)));
      expect(bytes.byteLength).toBeLessThan(emitOnnxQdq(q).byteLength);
    },
  );

  it('writes the integer operators themselves, com.microsoft ones with their domain imported', async () => {
    const { graph: q } = await quantizeFixture(residual('ReLU', { head: true, fuse: false }));
    const model = onnx.ModelProto.decode(emitOnnxQOperator(q));
    const ops = model.graph!.node!.map((n) => `${n.domain || ''}:${n.opType}`);
    expect(ops.filter((op) => op.endsWith('QLinearConv'))).toEqual([':QLinearConv', ':QLinearConv']);
    for (const op of ['QLinearAdd', 'QLinearLeakyRelu', 'QLinearGlobalAveragePool', 'QGemm'])
      expect(ops).toContain(`com.microsoft:${op}`);
    expect(ops.filter((op) => op === ':QuantizeLinear')).toHaveLength(1);
    for (const op of [':Conv', ':Gemm', ':Add', ':Relu']) expect(ops).not.toContain(op);
    expect(model.opsetImport).toContainEqual(expect.objectContaining({ domain: 'com.microsoft' }));
    // Softmax-free fixture: the only DequantizeLinear is the output's.
    expect(ops.filter((op) => op === ':DequantizeLinear')).toHaveLength(1);
  });

  it('int8 activations (the ARM-native form) run in both runtimes and agree', async () => {
    const { graph: q } = await quantizeFixture(residual('ReLU', { head: true, fuse: true }));
    const x = randomInput([-1, 8, 8, 3], 4, 2);
    const ref = interpretInt8Graph(q, { x: { data: x.data, shape: x.shape } })['y']!.value.data;
    const scale = q.tensors['y']!.quant!.scale[0]!;
    const bytes = emitOnnxQOperator(q, { activations: 'int8' });
    for (const result of [await runNode(bytes, x), await runWeb(bytes, x)])
      expect(steps(result, ref, scale)).toBeLessThanOrEqual(1.0001);
  });

  it('keeps a fused activation exact with a Clip when the output range is wider than it', async () => {
    const cases: [string, IrGraph, { scale: number[]; zeroPoint: number[] }][] = [
      // ReLU6 with a range up to 8: saturation alone would let 6..8 through.
      ['relu6', singleLayer('depthwise', 'relu6'), { scale: [8 / 255], zeroPoint: [-128] }],
      // ReLU with a range starting below 0: saturation alone would keep negatives.
      ['relu', singleLayer('conv', 'relu'), { scale: [6 / 255], zeroPoint: [-100] }],
    ];
    for (const [, graph, quant] of cases) {
      const { graph: calibrated } = await quantizeFixture(graph);
      const q: IrGraph = {
        ...calibrated,
        tensors: { ...calibrated.tensors, y: { ...calibrated.tensors['y']!, quant } },
      };
      const x = randomInput([-1, 8, 8, 3], 4, 2);
      const ref = interpretInt8Graph(q, { x: { data: x.data, shape: x.shape } })['y']!.value.data;
      const bytes = emitOnnxQOperator(q);
      const kernels = await profileOnnxKernels(bytes, firstImage(x));
      expect(kernels['Clip']).toBe(1);
      expectIntegerKernels(kernels);
      for (const result of [await runNode(bytes, x), await runWeb(bytes, x)])
        expect(steps(result, ref, quant.scale[0]!)).toBeLessThanOrEqual(1.0001);
    }
  });
});

describe.each([['cnn-small'], ['resnet8']])('int8 %s on Fashion-MNIST as ONNX QOperator', (zoo) => {
  it('runs integer kernels only and agrees with the QDQ file and the reference', async () => {
    const f = await quantFixture(zoo, 128, 64);
    const convs = f.graph.nodes.filter((n) => n.op === 'Conv2D' || n.op === 'DepthwiseConv2D').length;
    const adds = f.graph.nodes.filter((n) => n.op === 'Add').length;
    const dense = f.graph.nodes.filter((n) => n.op === 'Dense').length;
    const ranges = await calibrate(f.graph, f.calibration);
    const { graph, report } = quantizeGraph(f.graph, ranges);
    expect(report.floatNodes.map((n) => n.node)).toEqual(['probs']);
    const bytes = emitOnnxQOperator(graph);
    const qdqBytes = emitOnnxQdq(graph);
    expect(bytes.byteLength).toBeLessThan(qdqBytes.byteLength);

    const kernels = await profileOnnxKernels(bytes, firstImage({ data: f.check.x, shape: f.check.shape }));
    expect(kernels['QLinearConv']).toBe(convs);
    expect(kernels['QLinearAdd'] ?? 0).toBe(adds);
    expect(kernels['QGemm']).toBe(dense);
    expect(kernels['Softmax']).toBe(1);
    // The softmax reads the logits dequantised: the one DequantizeLinear.
    expectIntegerKernels(kernels);

    const x = { data: f.check.x, shape: f.check.shape };
    const ref = interpretInt8Graph(graph, { [graph.inputs[0]!]: x })[graph.outputs[0]!]!.value.data;
    const qdq = await runNode(qdqBytes, x);
    for (const probs of [await runNode(bytes, x), await runWeb(bytes, x)]) {
      for (const other of [ref, qdq]) {
        let worst = 0;
        for (let i = 0; i < probs.length; i++) worst = Math.max(worst, Math.abs(probs[i]! - other[i]!));
        expect(worst).toBeLessThan(0.02);
      }
    }
  });
});
