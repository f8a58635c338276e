/**
 * Int8 conformance: single-layer fixture graphs and cnn-tiny, calibrated on real images, quantised,
 * written as ONNX QDQ and full-integer TFLite, run in onnxruntime-node and tfjs-tflite and compared
 * with our integer reference (int8-reference.ts): within one int8 step of the output scale. The ORT
 * profile shows that the QDQ patterns were fused into QLinearConv / QGemm.
 */

import { loadTfliteModel } from '@edgeml/runtime-edge/node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FusedActivation, IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { calibrate } from '../../passes/quantize/calibrate.js';
import { interpretInt8Graph } from '../../passes/quantize/int8-reference.js';
import { quantizeGraph } from '../../passes/quantize/quantize-graph.js';
import { type QuantFixture, quantFixture } from '../../passes/quantize/testing-fixture.js';
import { emitTfliteInt8 } from '../tflite/emit-int8.js';
import { readTfliteModel } from '../tflite/read-tflite.js';
import { BuiltinOperator, TensorType } from '../tflite/schema.js';
import { emitOnnx } from './emit-onnx.js';
import { emitOnnxQdq } from './emit-qdq.js';
import { profileOnnxKernels } from './ort-profile.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** input [-1, 8, 8, 3] -> one node -> output. */
function singleLayer(kind: string, activation: FusedActivation = 'none'): IrGraph {
  const rand = seeded(kind.length * 7 + activation.length);
  const w = (shape: number[]): IrTensor => ({
    name: 'w',
    shape,
    dtype: 'float32',
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand()),
  });
  const b = (n: number): IrTensor => ({
    name: 'b',
    shape: [n],
    dtype: 'float32',
    data: Float32Array.from({ length: n }, () => rand() * 0.2),
  });
  const conv = { strides: [1, 1], dilations: [1, 1], padding: 'same', activation } as const;
  let node: IrNode;
  let tensors: IrTensor[];
  let outShape: number[];
  const input = [-1, 8, 8, 3];
  switch (kind) {
    case 'conv':
      node = {
        name: 'conv',
        op: 'Conv2D',
        inputs: ['x', 'w', 'b'],
        outputs: ['y'],
        attrs: { ...conv, strides: [2, 1] },
      };
      tensors = [w([3, 3, 3, 6]), b(6)];
      outShape = [-1, 4, 8, 6];
      break;
    case 'depthwise':
      node = {
        name: 'dw',
        op: 'DepthwiseConv2D',
        inputs: ['x', 'w', 'b'],
        outputs: ['y'],
        attrs: { ...conv, depthMultiplier: 2 },
      };
      tensors = [w([3, 3, 3, 2]), b(6)];
      outShape = [-1, 8, 8, 6];
      break;
    case 'avgpool':
    case 'maxpool':
      node = {
        name: kind,
        op: kind === 'avgpool' ? 'AvgPool' : 'MaxPool',
        inputs: ['h'],
        outputs: ['y'],
        attrs: { poolSize: [3, 3], strides: [2, 2], padding: 'same' },
      };
      tensors = [];
      outShape = [-1, 4, 4, 3];
      break;
    default:
      node = { name: 'gap', op: 'GlobalAvgPool', inputs: ['h'], outputs: ['y'], attrs: { keepDims: false } };
      tensors = [];
      outShape = [-1, 3];
  }
  const nodes: IrNode[] = [node];
  if (node.inputs[0] === 'h') {
    // Pools run int8 only behind an int8 producer: a 1x1 conv (ReLU) in front.
    nodes.unshift({
      name: 'pre',
      op: 'Conv2D',
      inputs: ['x', 'w'],
      outputs: ['h'],
      attrs: { ...conv, activation: 'relu', padding: 'valid' },
    });
    tensors = [w([1, 1, 3, 3]), { name: 'h', shape: input, dtype: 'float32' }];
  }
  const all = [
    { name: 'x', shape: input, dtype: 'float32' } as IrTensor,
    ...tensors,
    { name: 'y', shape: outShape, dtype: 'float32' } as IrTensor,
  ];
  return {
    name: kind,
    tensors: Object.fromEntries(all.map((t) => [t.name, t])),
    nodes,
    inputs: ['x'],
    outputs: ['y'],
    metadata: {},
  };
}

function dense(activation: FusedActivation): IrGraph {
  const rand = seeded(9);
  return {
    name: 'dense',
    tensors: {
      x: { name: 'x', shape: [-1, 20], dtype: 'float32' },
      w: {
        name: 'w',
        shape: [20, 7],
        dtype: 'float32',
        data: Float32Array.from({ length: 140 }, () => rand()),
      },
      b: { name: 'b', shape: [7], dtype: 'float32', data: Float32Array.from({ length: 7 }, () => rand()) },
      y: { name: 'y', shape: [-1, 7], dtype: 'float32' },
    },
    nodes: [{ name: 'fc', op: 'Dense', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { activation } }],
    inputs: ['x'],
    outputs: ['y'],
    metadata: {},
  };
}

function randomInput(shape: number[], n: number, seed: number): { data: Float32Array; shape: number[] } {
  const rand = seeded(seed);
  const full = [n, ...shape.slice(1)];
  return {
    data: Float32Array.from({ length: full.reduce((a, b) => a * b, 1) }, () => rand() * 4),
    shape: full,
  };
}

/** Largest |a - b| in units of the output scale. */
function steps(a: Float32Array, b: Float32Array, scale: number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

describe('int8 fixture layers: ONNX QDQ and TFLite int8 vs the integer reference', () => {
  const cases: [string, () => IrGraph][] = [
    ['conv 3x3 stride (2,1) + relu', () => singleLayer('conv', 'relu')],
    ['conv 3x3, no activation', () => singleLayer('conv')],
    ['depthwise x2 + relu6', () => singleLayer('depthwise', 'relu6')],
    ['dense', () => dense('none')],
    ['dense + relu', () => dense('relu')],
    ['average pool 3x3 same', () => singleLayer('avgpool')],
    ['max pool 3x3 same', () => singleLayer('maxpool')],
    ['global average pool', () => singleLayer('gap')],
  ];
  it.each(cases)('%s: within one int8 step', async (_name, make) => {
    const graph = make();
    const xShape = graph.tensors['x']!.shape as number[];
    const calib = randomInput(xShape, 32, 1);
    const ranges = await calibrate(
      graph,
      { x: calib.data, shape: calib.shape as [number, number, number, number] },
      { engine: 'interpreter' },
    );
    const q = quantizeGraph(graph, ranges).graph;
    expect(q.tensors['y']!.dtype).toBe('int8');
    const n = 4;
    const x = randomInput(xShape, n, 2);
    const ref = interpretInt8Graph(q, { x: { data: x.data, shape: x.shape } })['y']!.value.data;
    const scale = q.tensors['y']!.quant!.scale[0]!;

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

describe('int8 cnn-tiny on Fashion-MNIST', () => {
  let f: QuantFixture;
  beforeAll(async () => {
    f = await quantFixture('cnn-tiny', 128, 64);
  });

  it('fuses into QLinearConv and QGemm in onnxruntime (profiled) and agrees with the reference', async () => {
    const ranges = await calibrate(f.graph, f.calibration);
    const { graph, report } = quantizeGraph(f.graph, ranges);
    expect(report.floatNodes.map((n) => n.node)).toEqual(['probs']);
    const bytes = emitOnnxQdq(graph);
    const one = { name: 'input', x: f.check.x.subarray(0, 784), shape: [1, 28, 28, 1] };
    const kernels = await profileOnnxKernels(bytes, one);
    expect(kernels['QLinearConv']).toBe(3);
    expect(kernels['QGemm'] ?? kernels['QLinearMatMul'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(kernels['Conv'] ?? 0).toBe(0);
    expect(kernels['Gemm'] ?? 0).toBe(0);
    const floatKernels = await profileOnnxKernels(emitOnnx(f.graph), one);
    expect(floatKernels['QLinearConv']).toBeUndefined();

    const ref = interpretInt8Graph(graph, { [graph.inputs[0]!]: { data: f.check.x, shape: f.check.shape } });
    const refProbs = ref[graph.outputs[0]!]!.value.data;
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(bytes);
    const probs = (await session.run({ input: new ort.Tensor('float32', f.check.x, [...f.check.shape]) }))[
      'probs'
    ]!.data as Float32Array;
    await session.release();
    const tflite = await loadTfliteModel(emitTfliteInt8(graph));
    const tfliteProbs = tflite.predict(f.check.x, f.check.shape);
    tflite.close();
    for (const out of [probs, tfliteProbs]) {
      let worst = 0;
      for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - refProbs[i]!));
      expect(worst).toBeLessThan(0.02);
    }
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
    expect(worst).toBeLessThan(0.05);
  });
});
