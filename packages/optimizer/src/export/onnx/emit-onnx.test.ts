import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  randomImages,
  randomizeWeights,
  standInMobilenet,
  standInResnet,
} from '../../testing/stand-in-models.js';
import { exportOnnx } from './export-onnx.js';
import { measureParity, onnxruntimeNodeRuntimes, readOnnxSignature } from './parity.js';
import { onnx } from './proto.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('emitOnnx', () => {
  it('writes opset 13, IR 8, input/probs names, and labels + preprocessing metadata', () => {
    const model = standInResnet([16, 16, 1], false);
    const { bytes, passes } = exportOnnx(model, {
      metadata: { labels: ['a', 'b'], preprocessing: { scale: 1 / 255, mean: [0.5], std: [0.25] } },
    });
    expect(passes.foldBatchNorm?.folded.length).toBeGreaterThan(0);
    const decoded = onnx.ModelProto.decode(bytes);
    expect(Number(decoded.irVersion)).toBe(8);
    expect(decoded.opsetImport.map((o) => Number(o.version))).toEqual([13]);
    expect(decoded.graph?.input?.[0]?.name).toBe('input');
    expect(decoded.graph?.output?.[0]?.name).toBe('probs');
    const props = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(props['labels']!)).toEqual(['a', 'b']);
    expect(JSON.parse(props['preprocessing']!).std).toEqual([0.25]);
    expect(props['input_layout']).toBe('NHWC');
    expect(decoded.graph?.node?.filter((n) => n.opType === 'Transpose').length).toBe(1);
    expect(decoded.graph?.node?.some((n) => n.opType === 'BatchNormalization')).toBe(false);
  });

  it('NCHW input layout: no input Transpose, same predictions', async () => {
    const model = standInMobilenet([16, 16, 1]);
    randomizeWeights(model, 2);
    const { bytes } = exportOnnx(model, { inputLayout: 'NCHW' });
    expect(readOnnxSignature(bytes).inputLayout).toBe('NCHW');
    const decoded = onnx.ModelProto.decode(bytes);
    expect(decoded.graph?.node?.[0]?.opType).not.toBe('Transpose');
    const x = randomImages(8, [16, 16, 1], 4);
    const report = await measureParity(
      model,
      bytes,
      { x: x.dataSync() as Float32Array, shape: [8, 16, 16, 1] },
      {
        runtimes: onnxruntimeNodeRuntimes(['all']),
      },
    );
    expect(report.rows[0]!.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(report.rows[0]!.top1Agree).toBe(8);
  });
});
