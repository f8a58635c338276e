import { encodePng, type ModelFileEntry, type ModelManifest } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { inputSpecFor } from './input-spec.js';
import { preprocessInput } from './preprocess.js';

const manifest = {
  schemaVersion: 1,
  name: 'rgb',
  labels: ['a', 'b'],
  input: { shape: [2, 2, 3], layout: 'NHWC', dtype: 'float32' },
  preprocessing: {
    resize: { height: 2, width: 2, method: 'bilinear' },
    channels: 'rgb',
    scale: 1 / 255,
    mean: [0.5, 0, 0],
    std: [0.5, 1, 2],
  },
  files: [],
} as unknown as ModelManifest;
const file = { path: 'm.onnx', format: 'onnx', precision: 'float32' } as ModelFileEntry;
const rgb = Uint8Array.from([255, 0, 10, 0, 255, 20, 51, 102, 30, 0, 0, 40]);

describe('preprocessInput', () => {
  it('normalises per channel in NHWC and NCHW from PNG bytes, pixels and RGBA alike', () => {
    const nhwc = inputSpecFor(manifest, file);
    const png = encodePng({ width: 2, height: 2, channels: 3, data: rgb });
    const fromPng = preprocessInput(png, nhwc);
    expect(fromPng.shape).toEqual([1, 2, 2, 3]);
    expect(Array.from(fromPng.tensor.subarray(0, 3))).toEqual(
      [(255 / 255 - 0.5) / 0.5, 0, 10 / 255 / 2].map(Math.fround),
    );
    const rgba = new Uint8ClampedArray(16);
    for (let i = 0; i < 4; i++) rgba.set([...rgb.subarray(i * 3, i * 3 + 3), 128], i * 4);
    expect(preprocessInput({ data: rgba, width: 2, height: 2 }, nhwc).tensor).toEqual(fromPng.tensor);
    const nchw = inputSpecFor(manifest, { ...file, inputLayout: 'NCHW' });
    const planar = preprocessInput({ data: rgb, width: 2, height: 2, channels: 3 }, nchw);
    expect(planar.shape).toEqual([1, 3, 2, 2]);
    for (let i = 0; i < 4; i++) {
      for (let c = 0; c < 3; c++) expect(planar.tensor[c * 4 + i]).toBe(fromPng.tensor[i * 3 + c]);
    }
  });

  it('resizes and converts to the model size, passes tensors through, and names what is wrong', () => {
    const spec = inputSpecFor(manifest, file);
    const big = preprocessInput({ data: new Uint8Array(8 * 8), width: 8, height: 8 }, spec);
    expect(big.tensor).toHaveLength(12);
    const tensor = new Float32Array(12).fill(0.25);
    expect(preprocessInput(tensor, spec).tensor).toBe(tensor);
    expect(() => preprocessInput(new Float32Array(5), spec)).toThrow(/12 values/);
    expect(() => preprocessInput({ data: new Uint8Array(7), width: 2, height: 2 }, spec)).toThrow(
      /1, 3 or 4/,
    );
    expect(() => preprocessInput(new Uint8Array([1, 2, 3]), spec)).toThrow(/cannot decode/);
    expect(() => inputSpecFor(manifest, { ...file, inputDtype: 'int8' })).toThrow(/int8 input/);
  });

  it('center-crops as the manifest says (core fitImage), the same crop the trainer took', () => {
    const crop = {
      ...manifest,
      preprocessing: {
        ...manifest.preprocessing,
        resize: { height: 2, width: 2, method: 'bilinear', fit: 'center-crop' },
      },
    } as ModelManifest;
    const spec = inputSpecFor(crop, file);
    expect(spec.fit).toBe('center-crop');
    expect(inputSpecFor(manifest, file).fit).toBe('stretch');
    // 4x2 RGB: columns 0 and 3 red, 1 and 2 green; the centre 2x2 is all green.
    const wide = new Uint8Array(4 * 2 * 3);
    for (let i = 0; i < 8; i++) wide.set(i % 4 === 0 || i % 4 === 3 ? [255, 0, 0] : [0, 255, 0], i * 3);
    const png = encodePng({ width: 4, height: 2, channels: 3, data: wide });
    const green = preprocessInput(
      { data: Uint8Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? 255 : 0)), width: 2, height: 2 },
      spec,
    );
    expect(preprocessInput(png, spec).tensor).toEqual(green.tensor);
    const stretched = preprocessInput(png, inputSpecFor(manifest, file)).tensor;
    expect(stretched).not.toEqual(green.tensor);
  });
});
