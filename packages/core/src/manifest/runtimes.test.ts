/**
 * Files planned for a runtime (`runtimes`, a latency-aware int8 plan): validated, and picked by
 * findModelFile only for the runtimes they name, before the generic file of the same precision.
 */
import { describe, expect, it } from 'vitest';
import { ManifestInvalidError, UnsupportedError } from '../errors.js';
import { findModelFile } from './select.js';
import type { ModelFileEntry, ModelManifest } from './types.js';
import { validateManifest } from './validate.js';

const HASH = 'b'.repeat(64);

function manifest(files: ModelFileEntry[]): ModelManifest {
  return {
    schemaVersion: 1,
    name: 'cnn-small',
    labels: ['a', 'b'],
    input: { shape: [28, 28, 1], layout: 'NHWC', dtype: 'float32' },
    output: { activation: 'softmax' },
    preprocessing: {
      resize: { height: 28, width: 28, method: 'bilinear' },
      channels: 'grayscale',
      scale: 1 / 255,
      mean: [0],
      std: [1],
    },
    files,
    metrics: {},
    lineage: [],
  };
}

const file = (path: string, precision: ModelFileEntry['precision'], runtimes?: string[]): ModelFileEntry => ({
  path,
  format: 'onnx',
  precision,
  role: 'model',
  bytes: 1,
  sha256: HASH,
  ...(runtimes && { runtimes }),
});

const files = [
  file('model.onnx', 'float32'),
  file('model.int8.onnx', 'int8'),
  file('model.int8.ort-web.onnx', 'mixed', ['ort-web']),
];

describe('files planned for a runtime', () => {
  it('validates runtimes: distinct runtime names, at least one', () => {
    expect(validateManifest(manifest(files)).files[2]!.runtimes).toEqual(['ort-web']);
    for (const bad of [[], ['ort-web', 'ort-web'], ['Ort Web'], [3], 'ort-web']) {
      const m = manifest([
        file('model.onnx', 'float32'),
        { ...file('x.onnx', 'int8'), runtimes: bad as never },
      ]);
      expect(() => validateManifest(m)).toThrow(ManifestInvalidError);
    }
  });

  it('picks the planned file for its runtime, the generic one elsewhere', () => {
    const m = manifest(files);
    expect(findModelFile(m, 'onnx', 'int8', 'ort-web').path).toBe('model.int8.ort-web.onnx');
    expect(findModelFile(m, 'onnx', 'int8', 'ort-node').path).toBe('model.int8.onnx');
    expect(findModelFile(m, 'onnx', 'int8').path).toBe('model.int8.onnx');
    expect(findModelFile(m, 'onnx', 'float32', 'ort-web').path).toBe('model.onnx');
    expect(findModelFile(m, 'onnx', undefined, 'ort-web').path).toBe('model.onnx');
  });

  it('never gives another runtime a file planned for one', () => {
    const m = manifest([
      file('model.onnx', 'float32'),
      file('model.int8.ort-web.onnx', 'mixed', ['ort-web']),
    ]);
    expect(() => findModelFile(m, 'onnx', 'int8', 'ort-node')).toThrow(UnsupportedError);
    expect(findModelFile(m, 'onnx', 'int8', 'ort-web').path).toBe('model.int8.ort-web.onnx');
  });
});
