/**
 * Int8 conformance: single-layer fixture graphs and cnn-tiny, calibrated on real images, quantised,
 * written as ONNX QDQ and full-integer TFLite, run in onnxruntime-node and tfjs-tflite and compared
 * with our integer reference (int8-reference.ts): within one int8 step of the output scale. The ORT
 * profile shows that the QDQ patterns were fused into QLinearConv / QGemm.
 */

import { ConfigError } from '@edgeml/core';
import { loadTfliteModel } from '@edgeml/runtime-edge/node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FusedActivation, IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { fuseActivations } from '../../passes/fuse-activations/fuse-activations.js';
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

/**
 * The residual fixture: input [-1, 8, 8, 3] -> conv 3x3 (ReLU) `h1` -> conv 3x3 `h2` -> add(h2, h1)
 * -> `activation` -> [global average pool -> dense 6 -> 5]. The skip `h1` has two readers (conv
 * and add), the add's inputs have different scales. `fuse` runs fuseActivations (ReLU into Add);
 * otherwise the activation stays its own node.
 */
function residual(activation: 'ReLU' | 'ReLU6', options: { head: boolean; fuse: boolean }): IrGraph {
  const rand = seeded(activation.length * 13 + (options.head ? 1 : 0));
  const data = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rand() * scale);
  const t = (name: string, shape: number[], values?: Float32Array): IrTensor => ({
    name,
    shape,
    dtype: 'float32',
    ...(values ? { data: values } : {}),
  });
  const conv = { strides: [1, 1], dilations: [1, 1], padding: 'same' } as const;
  const nodes: IrNode[] = [
    {
      name: 'conv1',
      op: 'Conv2D',
      inputs: ['x', 'w1', 'b1'],
      outputs: ['h1'],
      attrs: { ...conv, activation: 'relu' },
    },
    {
      name: 'conv2',
      op: 'Conv2D',
      inputs: ['h1', 'w2', 'b2'],
      outputs: ['h2'],
      attrs: { ...conv, activation: 'none' },
    },
    { name: 'add', op: 'Add', inputs: ['h2', 'h1'], outputs: ['sum'], attrs: {} },
    { name: 'act', op: activation, inputs: ['sum'], outputs: ['r'], attrs: {} },
  ];
  const tensors = [
    t('x', [-1, 8, 8, 3]),
    t('w1', [3, 3, 3, 6], data(162)),
    t('b1', [6], data(6, 0.2)),
    t('h1', [-1, 8, 8, 6]),
    // A smaller second conv: the add's inputs get clearly different scales.
    t('w2', [3, 3, 6, 6], data(324, 0.3)),
    t('b2', [6], data(6, 0.1)),
    t('h2', [-1, 8, 8, 6]),
    t('sum', [-1, 8, 8, 6]),
    t('r', [-1, 8, 8, 6]),
  ];
  let output = 'r';
  if (options.head) {
    nodes.push(
      { name: 'gap', op: 'GlobalAvgPool', inputs: ['r'], outputs: ['g'], attrs: { keepDims: false } },
      { name: 'fc', op: 'Dense', inputs: ['g', 'w3', 'b3'], outputs: ['y'], attrs: { activation: 'none' } },
    );
    tensors.push(t('g', [-1, 6]), t('w3', [6, 5], data(30)), t('b3', [5], data(5, 0.2)), t('y', [-1, 5]));
    output = 'y';
  }
  const graph: IrGraph = {
    name: 'residual',
    tensors: Object.fromEntries(tensors.map((x) => [x.name, x])),
    nodes,
    inputs: ['x'],
    outputs: [output],
    metadata: {},
  };
  return options.fuse ? fuseActivations(graph).graph : graph;
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
    [
      'residual: conv, conv, add(skip) + fused relu, gap, dense',
      () => residual('ReLU', { head: true, fuse: true }),
    ],
    ['residual add + fused relu6 as the output', () => residual('ReLU6', { head: false, fuse: true })],
    ['residual add, then its own int8 ReLU node', () => residual('ReLU', { head: true, fuse: false })],
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
    const { graph: q, report } = quantizeGraph(graph, ranges);
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
    const calib = randomInput([-1, 8, 8, 3], 32, 1);
    const ranges = await calibrate(
      graph,
      { x: calib.data, shape: calib.shape as [number, number, number, number] },
      { engine: 'interpreter' },
    );
    const { graph: q, report } = quantizeGraph(graph, ranges);
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
    const ranges = await calibrate(f.graph, f.calibration);
    const { graph, report } = quantizeGraph(f.graph, ranges);
    expect(report.floatNodes.map((n) => n.node)).toEqual(['probs']);
    const bytes = emitOnnxQdq(graph);
    const one = { name: 'input', x: f.check.x.subarray(0, 784), shape: [1, 28, 28, 1] };
    const kernels = await profileOnnxKernels(bytes, one);
    expect(kernels['QLinearConv']).toBe(convs);
    expect(kernels['QLinearAdd']).toBe(adds);
    for (const float of ['Add', 'Conv', 'Relu', 'Clip', 'Gemm']) expect(kernels[float] ?? 0).toBe(0);

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
    expect(worst).toBeLessThan(0.05);
  });
});
