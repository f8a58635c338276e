/**
 * Int8 conformance: single-layer fixture graphs and cnn-tiny, calibrated on real images, quantised,
 * written as ONNX QDQ and full-integer TFLite, run in onnxruntime-node and tfjs-tflite and compared
 * with our integer reference (int8-reference.ts): fixture layers within one int8 step of the output
 * scale; zoo models, whose output is a float softmax of the int8 logits, within 0.02 on each
 * probability (a rounding tie moves a logit by one int8 step, which moves a probability by at most
 * half a logits step: 0.016-0.032 here; 0.0081 measured). The ORT profile shows that the QDQ patterns
 * were fused into QLinearConv / QGemm.
 */

import { ConfigError } from '@edgeml/core';
import { loadTfliteModel } from '@edgeml/runtime-edge/node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IrGraph } from '../../ir/types.js';
import { calibrate } from '../../passes/quantize/calibrate.js';
import { interpretInt8Graph } from '../../passes/quantize/int8-reference.js';
import { quantizeGraph } from '../../passes/quantize/quantize-graph.js';
import { type QuantFixture, quantFixture } from '../../passes/quantize/testing-fixture.js';
import {
  INT8_FIXTURE_CASES,
  quantizeFixture,
  randomInput,
  residual,
  steps,
} from '../../testing/int8-fixtures.js';
import { emitTfliteInt8 } from '../tflite/emit-int8.js';
import { readTfliteModel } from '../tflite/read-tflite.js';
import { BuiltinOperator, TensorType } from '../tflite/schema.js';
import { emitOnnx } from './emit-onnx.js';
import { emitOnnxQdq } from './emit-qdq.js';
import { profileOnnxKernels } from './ort-profile.js';
import type { ParityImages } from './parity.js';

/** Calibrates and quantises a zoo fixture (keeping `keepFloat` float), writes QDQ and profiles one image in ORT. */
async function quantizeAndProfile(f: QuantFixture, keepFloat: readonly string[] = []) {
  const ranges = await calibrate(f.graph, f.calibration);
  const { graph, report } = quantizeGraph(f.graph, ranges, { keepFloat });
  const bytes = emitOnnxQdq(graph);
  return { graph, report, bytes, kernels: await profileOnnxKernels(bytes, firstImage(f)) };
}

/** The fixture's first check image as the `input` feed of a profile run. */
function firstImage(f: QuantFixture) {
  return { name: 'input', x: f.check.x.subarray(0, 784), shape: [1, 28, 28, 1] };
}

/**
 * onnxruntime-node (the QDQ `bytes`) and tfjs-tflite (the int8 TFLite of `graph`) probabilities within
 * 0.02 of the integer reference (at most 0.0081 measured, mobilenetv2-tiny; see the file comment).
 */
async function expectRuntimesNearReference(
  graph: IrGraph,
  bytes: Uint8Array,
  check: ParityImages,
): Promise<void> {
  const ref = interpretInt8Graph(graph, { [graph.inputs[0]!]: { data: check.x, shape: check.shape } });
  const refProbs = ref[graph.outputs[0]!]!.value.data;
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  const probs = (await session.run({ input: new ort.Tensor('float32', check.x, [...check.shape]) }))['probs']!
    .data as Float32Array;
  await session.release();
  const tflite = await loadTfliteModel(emitTfliteInt8(graph));
  const tfliteProbs = tflite.predict(check.x, check.shape);
  tflite.close();
  for (const out of [probs, tfliteProbs]) {
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - refProbs[i]!));
    expect(worst).toBeLessThan(0.02);
  }
}

describe('int8 fixture layers: ONNX QDQ and TFLite int8 vs the integer reference', () => {
  it.each(INT8_FIXTURE_CASES)('%s: within one int8 step', async (_name, make) => {
    const graph = make();
    const xShape = graph.tensors['x']!.shape as number[];
    const { graph: q, report } = await quantizeFixture(graph);
    const out = graph.outputs[0]!;
    expect(q.tensors[out]!.dtype).toBe('int8');
    expect(report.floatNodes).toEqual([]);
    const n = 4;
    const x = randomInput(xShape, n, 2);
    const ref = interpretInt8Graph(q, { x: { data: x.data, shape: x.shape } })[out]!.value.data;
    const scale = q.tensors[out]!.quant!.scale[0]!;

    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(emitOnnxQdq(q, { inputLayout: 'NHWC' }));
    const onnxOut = (await session.run({ input: new ort.Tensor('float32', x.data, x.shape) }))['probs']!
      .data as Float32Array;
    await session.release();
    // Rank-4 outputs come back NHWC (emitOnnx transposes them), so the orders match.
    expect(steps(onnxOut, ref, scale)).toBeLessThanOrEqual(1.0001);

    const tflite = await loadTfliteModel(emitTfliteInt8(q));
    const tfliteOut = tflite.predict(x.data, x.shape);
    tflite.close();
    expect(steps(tfliteOut, ref, scale)).toBeLessThanOrEqual(1.0001);
  });
});

describe('int8 residual add: QLinearAdd in onnxruntime, int8 ADD in TFLite', () => {
  it('the residual fixture fuses into QLinearConv and QLinearAdd (profiled) and writes an int8 ADD', async () => {
    const graph = residual('ReLU', { head: true, fuse: true });
    expect(graph.nodes.find((n) => n.name === 'add')!.attrs).toEqual({ activation: 'relu' });
    const { graph: q, report } = await quantizeFixture(graph);
    expect(report.int8Nodes).toEqual(['conv1', 'conv2', 'add', 'gap', 'fc']);
    // The add reads two int8 tensors with different parameters and has its own (ReLU: zero point -128).
    const [a, b] = ['h2', 'h1'].map((name) => q.tensors[name]!.quant!);
    expect(a!.scale[0]).not.toBeCloseTo(b!.scale[0]!, 6);
    expect(q.tensors['r']!.quant!.zeroPoint).toEqual([-128]);

    const bytes = emitOnnxQdq(q);
    const one = randomInput([-1, 8, 8, 3], 1, 5);
    const kernels = await profileOnnxKernels(bytes, { name: 'input', x: one.data, shape: one.shape });
    expect(kernels['QLinearAdd']).toBe(1);
    expect(kernels['QLinearConv']).toBe(2);
    for (const float of ['Add', 'Conv', 'Relu', 'Gemm']) expect(kernels[float] ?? 0).toBe(0);

    // int8 activations in the file (the ARM-native form) run and agree as well.
    const x = randomInput([-1, 8, 8, 3], 4, 2);
    const ref = interpretInt8Graph(q, { x: { data: x.data, shape: x.shape } })['y']!.value.data;
    const scale = q.tensors['y']!.quant!.scale[0]!;
    const ort = await import('onnxruntime-node');
    for (const activations of ['uint8', 'int8'] as const) {
      const session = await ort.InferenceSession.create(emitOnnxQdq(q, { activations }));
      const out = (await session.run({ input: new ort.Tensor('float32', x.data, x.shape) }))['probs']!
        .data as Float32Array;
      await session.release();
      expect(steps(out, ref, scale)).toBeLessThanOrEqual(1.0001);
    }
    expect(() => emitOnnxQdq(q, { activations: 'u8' as never })).toThrow(ConfigError);

    const model = readTfliteModel(emitTfliteInt8(q));
    const sub = model.subgraphs[0]!;
    const codeOf = (o: (typeof sub.operators)[number]) => model.operatorCodes[o.opcodeIndex]!;
    const adds = sub.operators.filter((o) => codeOf(o).builtinCode === BuiltinOperator.ADD);
    expect(adds).toHaveLength(1);
    expect(codeOf(adds[0]!).version).toBe(2);
    for (const t of [...adds[0]!.inputs, ...adds[0]!.outputs])
      expect(sub.tensors[t]!.type).toBe(TensorType.INT8);
    // The ReLU rides on the ADD (fused_activation_function), with no RELU op of its own.
    expect(sub.operators.some((o) => codeOf(o).builtinCode === BuiltinOperator.RELU)).toBe(false);
  });
});

describe.each([['resnet8'], ['mobilenetv2-tiny']])('int8 %s (residual adds) on Fashion-MNIST', (zoo) => {
  it('runs every conv and add as QLinearConv / QLinearAdd in onnxruntime and agrees with the reference', async () => {
    const f = await quantFixture(zoo, 128, 64);
    const convs = f.graph.nodes.filter((n) => n.op === 'Conv2D' || n.op === 'DepthwiseConv2D').length;
    const adds = f.graph.nodes.filter((n) => n.op === 'Add').length;
    expect(adds).toBeGreaterThan(0);
    const { graph, report, bytes, kernels } = await quantizeAndProfile(f);
    expect(report.floatNodes.map((n) => n.node)).toEqual(['probs']);
    expect(kernels['QLinearConv']).toBe(convs);
    expect(kernels['QLinearAdd']).toBe(adds);
    for (const float of ['Add', 'Conv', 'Relu', 'Clip', 'Gemm']) expect(kernels[float] ?? 0).toBe(0);

    await expectRuntimesNearReference(graph, bytes, f.check);
  });
});

describe('int8 cnn-tiny on Fashion-MNIST', () => {
  let f: QuantFixture;
  beforeAll(async () => {
    f = await quantFixture('cnn-tiny', 128, 64);
  });

  it('fuses into QLinearConv and QGemm in onnxruntime (profiled) and agrees with the reference', async () => {
    const { graph, report, bytes, kernels } = await quantizeAndProfile(f);
    expect(report.floatNodes.map((n) => n.node)).toEqual(['probs']);
    expect(kernels['QLinearConv']).toBe(3);
    expect(kernels['QGemm'] ?? kernels['QLinearMatMul'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(kernels['Conv'] ?? 0).toBe(0);
    expect(kernels['Gemm'] ?? 0).toBe(0);
    const floatKernels = await profileOnnxKernels(emitOnnx(f.graph), firstImage(f));
    expect(floatKernels['QLinearConv']).toBeUndefined();

    await expectRuntimesNearReference(graph, bytes, f.check);
  });

  it('a conv and a dense kept float stay float in onnxruntime (not re-quantised by its WeightBiasQuantization)', async () => {
    const convs = f.graph.nodes.filter((n) => n.op === 'Conv2D').map((n) => n.name);
    const dense = f.graph.nodes.filter((n) => n.op === 'Dense').map((n) => n.name);
    // The second conv and the first dense: both read and feed int8 neighbours.
    const keepFloat = [convs[1]!, dense[0]!];
    const { graph, report, bytes, kernels } = await quantizeAndProfile(f, keepFloat);
    expect(report.floatNodes.map((n) => n.node)).toEqual(expect.arrayContaining(keepFloat));
    expect(kernels['QLinearConv']).toBe(convs.length - 1);
    expect((kernels['Conv'] ?? 0) + (kernels['FusedConv'] ?? 0)).toBe(1);
    expect((kernels['Gemm'] ?? 0) + (kernels['FusedGemm'] ?? 0)).toBe(1);
    // The reference computes the kept nodes in float: onnxruntime now agrees with it.
    await expectRuntimesNearReference(graph, bytes, f.check);
  });

  it('writes int8 I/O TFLite files with int8 input/output tensors and the spec layout', async () => {
    const ranges = await calibrate(f.graph, f.calibration, { method: 'percentile' });
    const { graph } = quantizeGraph(f.graph, ranges, { perTensor: true });
    const sub = readTfliteModel(emitTfliteInt8(graph, { int8Io: true })).subgraphs[0]!;
    expect(sub.tensors[sub.inputs[0]!]).toMatchObject({ name: 'input', type: TensorType.INT8 });
    expect(sub.tensors[sub.outputs[0]!]).toMatchObject({ name: 'probs', type: TensorType.INT8 });
    const floatIo = readTfliteModel(emitTfliteInt8(graph));
    const s = floatIo.subgraphs[0]!;
    expect(s.tensors[s.inputs[0]!]!.type).toBe(TensorType.FLOAT32);
    const ops = s.operators.map((o) => floatIo.operatorCodes[o.opcodeIndex]!);
    expect(ops[0]!.builtinCode).toBe(BuiltinOperator.QUANTIZE);
    expect(ops.some((o) => o.builtinCode === BuiltinOperator.DEQUANTIZE)).toBe(true);
    expect(ops.filter((o) => o.builtinCode === BuiltinOperator.CONV_2D && o.version === 3)).toHaveLength(3);
    const filters = s.tensors.filter((t) => t.type === TensorType.INT8 && t.buffer > 0);
    expect(filters.length).toBeGreaterThanOrEqual(4);
  });

  it('quantises each TFLite bias like its filter, per channel or per tensor (XNNPACK needs the pair)', async () => {
    const ranges = await calibrate(f.graph, f.calibration);
    for (const perTensor of [false, true]) {
      const { graph } = quantizeGraph(f.graph, ranges, { perTensor });
      const info = readTfliteModel(emitTfliteInt8(graph));
      const s = info.subgraphs[0]!;
      const withBias: number[] = [
        BuiltinOperator.CONV_2D,
        BuiltinOperator.DEPTHWISE_CONV_2D,
        BuiltinOperator.FULLY_CONNECTED,
      ];
      const ops = s.operators.filter((o) =>
        withBias.includes(info.operatorCodes[o.opcodeIndex]!.builtinCode),
      );
      expect(ops.length).toBe(4);
      for (const op of ops) {
        const filter = s.tensors[op.inputs[1]!]!.quantization!;
        const bias = s.tensors[op.inputs[2]!]!.quantization!;
        expect(bias.scale.length).toBe(filter.scale.length);
        expect(bias.zeroPoint).toEqual(new Array(filter.scale.length).fill(0));
        expect(bias.quantizedDimension).toBe(0);
      }
      const convs = ops.filter(
        (o) => info.operatorCodes[o.opcodeIndex]!.builtinCode === BuiltinOperator.CONV_2D,
      );
      for (const op of convs)
        expect(s.tensors[op.inputs[1]!]!.quantization!.scale.length > 1).toBe(!perTensor);
    }
  });

  it('dynamic quantisation stores int8 weights behind DequantizeLinear and stays close to float', async () => {
    const { graph, report } = quantizeGraph(f.graph, undefined, { mode: 'dynamic' });
    expect(report.weights).toHaveLength(4);
    const bytes = emitOnnxQdq(graph);
    expect(bytes.byteLength).toBeLessThan(emitOnnx(f.graph).byteLength * 0.5);
    const ort = await import('onnxruntime-node');
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b);
      const out = (await s.run({ input: new ort.Tensor('float32', f.check.x, [...f.check.shape]) }))['probs']!
        .data as Float32Array;
      await s.release();
      return out;
    };
    const [a, b] = [await run(emitOnnx(f.graph)), await run(bytes)];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    // Weights only, float compute: no int8 step applies; 0.019 measured.
    expect(worst).toBeLessThan(0.03);
  });
});
