import { SeededRandom } from '@edgeml/core';
import { loadTfliteModel } from '@edgeml/runtime-edge/node';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretGraph } from '../../ir/interpret.js';
import type { IrGraph } from '../../ir/types.js';
import { OP_COVERAGE_INPUT_SHAPE, opCoverageGraph } from '../../testing/op-coverage-graph.js';
import {
  randomImages,
  randomizeWeights,
  standInMobilenet,
  standInResnet,
} from '../../testing/stand-in-models.js';
import { emitTflite } from './emit-tflite.js';
import { exportTflite } from './export-tflite.js';
import { measureTfliteParity } from './parity.js';
import { readTfliteMetadata, readTfliteModel } from './read-tflite.js';
import { BuiltinOperator, BuiltinOptionsType, TensorType } from './schema.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const opName = (code: number) => Object.entries(BuiltinOperator).find(([, c]) => c === code)?.[0];

describe('emitTflite flatbuffer', () => {
  it('parses back: TFL3, version 3, empty buffers[0], 16-byte aligned data, op codes, layouts, metadata', () => {
    const model = standInMobilenet([16, 16, 1]);
    const { bytes, passes } = exportTflite(model, {
      metadata: { labels: ['a', 'b'], preprocessing: { scale: 1 / 255, mean: [0.5], std: [0.25] } },
    });
    expect(passes.foldBatchNorm?.folded.length).toBeGreaterThan(0);
    expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('TFL3');
    const info = readTfliteModel(bytes);
    expect(info.version).toBe(3);
    expect(info.subgraphs).toHaveLength(1);
    expect(info.buffers[0]).toEqual({ offset: 0, length: 0 });
    for (const buffer of info.buffers.slice(1)) {
      expect(buffer.length).toBeGreaterThan(0);
      expect(buffer.offset % 16).toBe(0);
    }
    for (const code of info.operatorCodes) {
      expect(code.deprecatedBuiltinCode).toBe(code.builtinCode);
      expect(code.version).toBeGreaterThanOrEqual(1);
    }
    const ops = new Set(info.operatorCodes.map((c) => opName(c.builtinCode)));
    expect(ops).toEqual(
      new Set([
        'CONV_2D',
        'DEPTHWISE_CONV_2D',
        'ADD',
        'MAX_POOL_2D',
        'MEAN',
        'RESHAPE',
        'CONCATENATION',
        'FULLY_CONNECTED',
        'SOFTMAX',
      ]),
    );
    const sg = info.subgraphs[0]!;
    const input = sg.tensors[sg.inputs[0]!]!;
    expect(input).toMatchObject({ name: 'input', shape: [1, 16, 16, 1], shapeSignature: [-1, 16, 16, 1] });
    expect(input.type).toBe(TensorType.FLOAT32);
    const output = sg.tensors[sg.outputs[0]!]!;
    expect(output).toMatchObject({ name: 'probs', shape: [1, 10], shapeSignature: [-1, 10] });
    // Every operator has its options table, and ReLU6 after each BN went into the conv options.
    for (const op of sg.operators) {
      const name = opName(info.operatorCodes[op.opcodeIndex]!.builtinCode)!;
      const expected: Record<string, number> = {
        CONV_2D: BuiltinOptionsType.Conv2DOptions,
        DEPTHWISE_CONV_2D: BuiltinOptionsType.DepthwiseConv2DOptions,
        FULLY_CONNECTED: BuiltinOptionsType.FullyConnectedOptions,
        MEAN: BuiltinOptionsType.ReducerOptions,
      };
      if (expected[name] !== undefined) expect(op.optionsType).toBe(expected[name]);
      if (name === 'CONV_2D') {
        const filter = sg.tensors[op.inputs[1]!]!;
        const x = sg.tensors[op.inputs[0]!]!;
        expect(filter.shape[3]).toBe(x.shape[3]); // OHWI: input channels last
        expect(sg.tensors[op.inputs[2]!]!.shape).toEqual([filter.shape[0]]);
      }
      if (name === 'DEPTHWISE_CONV_2D') expect(sg.tensors[op.inputs[1]!]!.shape[0]).toBe(1);
      if (name === 'FULLY_CONNECTED') {
        const x = sg.tensors[op.inputs[0]!]!;
        expect(sg.tensors[op.inputs[1]!]!.shape[1]).toBe(x.shape[1]); // [out, in]
      }
    }
    expect(readTfliteMetadata(bytes)).toEqual({
      version: 1,
      inputLayout: 'NHWC',
      inputName: 'input',
      outputName: 'probs',
      labels: ['a', 'b'],
      preprocessing: { scale: 1 / 255, mean: [0.5], std: [0.25] },
    });
  });

  it('writes the batch size into shapes and keeps -1 in the signature', () => {
    const { bytes } = exportTflite(standInResnet([8, 8, 1], false), { batchSize: 4 });
    const sg = readTfliteModel(bytes).subgraphs[0]!;
    expect(sg.tensors[sg.inputs[0]!]).toMatchObject({ shape: [4, 8, 8, 1], shapeSignature: [-1, 8, 8, 1] });
    expect(() => exportTflite(standInResnet([8, 8, 1], false), { batchSize: 0 })).toThrowError(/'batchSize'/);
  });

  it('rejects a file without the TFL3 identifier', () => {
    expect(() => readTfliteModel(new Uint8Array(16))).toThrowError(/not a TFLite file/);
  });
});

describe('TFLite emitter in tfjs-tflite, op by op', () => {
  it('matches the reference interpreter on every op (batch 1 and batch 3 files, loaded concurrently)', async () => {
    const graph: IrGraph = opCoverageGraph();
    const n = 3;
    const rng = new SeededRandom(5);
    const shape = [n, ...OP_COVERAGE_INPUT_SHAPE];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const expected = interpretGraph(graph, { x: { data: x, shape } })['out']!.data;
    const files = [1, 3].map((batchSize) => emitTflite(graph, { batchSize }));
    // Both first loads at once: the second must wait for the first's shims, not stack its own.
    const models = await Promise.all(files.map((bytes) => loadTfliteModel(bytes)));
    for (const [i, model] of models.entries()) {
      const codes = readTfliteModel(files[i]!).operatorCodes.map((c) => opName(c.builtinCode));
      for (const op of ['PAD', 'HARD_SWISH', 'LOGISTIC', 'MUL', 'ADD', 'AVERAGE_POOL_2D', 'RELU6', 'RESHAPE'])
        expect(codes).toContain(op);
      const actual = model.predict(x, shape);
      model.close();
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-5);
    }
  });

  it('measureTfliteParity: a seeded stand-in on random images', async () => {
    const model = standInResnet([16, 16, 1]);
    randomizeWeights(model, 2);
    const { bytes } = exportTflite(model);
    const images = randomImages(8, [16, 16, 1], 4);
    const report = await measureTfliteParity(model, bytes, {
      x: images.dataSync() as Float32Array,
      shape: [8, 16, 16, 1],
    });
    expect(report.inputLayout).toBe('NHWC');
    expect(report.rows[0]!.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(report.rows[0]!.top1Agree).toBe(8);
    tf.dispose(images);
    model.dispose();
  });

  it('loadTfliteModel restores the globals it shims and rejects a wrong input shape', async () => {
    const { bytes } = exportTflite(standInResnet([8, 8, 1], false));
    const model = await loadTfliteModel(bytes);
    expect(typeof (globalThis as Record<string, unknown>)['importScripts']).toBe('undefined');
    expect(typeof SharedArrayBuffer).toBe('function');
    expect(model.inputShape).toEqual([1, 8, 8, 1]);
    expect(() => model.predict(new Float32Array(2 * 8 * 8 * 2), [2, 8, 8, 2])).toThrowError(/does not fit/);
    model.close();
  });
});
