import { describe, expect, it } from 'vitest';
import { EdgemlError } from '../errors.js';
import { serializeManifest } from './build.js';
import type { ModelManifest } from './types.js';
import { parseManifest, validateManifest } from './validate.js';

const HASH = 'a'.repeat(64);

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary parsed JSON
type JsonDoc = any;

function validManifest(): ModelManifest {
  return {
    schemaVersion: 1,
    name: 'mnist-cnn-small',
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    input: { shape: [28, 28, 1], layout: 'NHWC', dtype: 'float32' },
    output: { activation: 'softmax' },
    preprocessing: {
      resize: { height: 28, width: 28, method: 'bilinear' },
      channels: 'grayscale',
      scale: 1 / 255,
      mean: [0],
      std: [1],
    },
    files: [
      {
        path: 'tfjs/model.json',
        format: 'tfjs-layers',
        precision: 'float32',
        role: 'model',
        bytes: 10,
        sha256: HASH,
      },
      {
        path: 'tfjs/group1-shard1of1.bin',
        format: 'tfjs-weights',
        precision: 'float32',
        role: 'weights',
        bytes: 4,
        sha256: HASH,
      },
      { path: 'model.onnx', format: 'onnx', precision: 'float32', role: 'model', bytes: 7, sha256: HASH },
      { path: 'labels.txt', format: 'labels', role: 'labels', bytes: 20, sha256: HASH },
    ],
    metrics: {
      test_accuracy: 0.987,
      onnx_test_accuracy: { value: 0.986, split: 'test', samples: 10000, file: 'model.onnx' },
    },
    lineage: [
      {
        kind: 'command',
        name: 'train',
        config: { model: 'cnn-small', epochs: 3, lr: 0.001, augment: null },
        inputs: [{ name: 'mnist', sha256: HASH, kind: 'dataset' }],
        outputs: ['tfjs/model.json'],
        createdAt: '2025-01-31T12:00:00.000Z',
        tool: { name: 'edgeml', version: '0.1.0' },
        durationMs: 5321,
      },
    ],
    training: { dataset: 'mnist', backend: 'tensorflow', epochs: 3, batchSize: 64, seed: 42 },
    extra: { notes: ['ok'] },
  };
}

/** The manifest with one change applied to its JSON form. */
function mutated(change: (json: JsonDoc) => void): unknown {
  const json = JSON.parse(JSON.stringify(validManifest()));
  change(json);
  return json;
}

function errorOf(fn: () => unknown): EdgemlError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EdgemlError);
    return error as EdgemlError;
  }
  throw new Error('expected an error');
}

describe('validateManifest', () => {
  it('accepts a full manifest and returns an equal copy', () => {
    const input = validManifest();
    const out = validateManifest(input);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
    expect(out.files[0]).not.toBe(input.files[0]);
  });

  it('serializes with a stable key order whatever the input order', () => {
    const reordered = Object.fromEntries(Object.entries(validManifest()).reverse());
    expect(serializeManifest(validateManifest(reordered))).toBe(serializeManifest(validManifest()));
    expect(parseManifest(serializeManifest(validManifest()))).toEqual(validManifest());
  });

  it.each([
    [
      'a short sha256',
      (j: JsonDoc) => {
        j.files[2].sha256 = 'abc';
      },
      'manifest.files[2].sha256 must be a 64-char lowercase hex string (SHA-256), got "abc"',
    ],
    [
      'a missing name',
      (j: JsonDoc) => {
        delete j.name;
      },
      'manifest.name must be a non-empty string, got nothing (key missing)',
    ],
    [
      'a misspelt key',
      (j: JsonDoc) => {
        j.files[1].sha265 = j.files[1].sha256;
      },
      'manifest.files[1].sha265 is not a known key',
    ],
    [
      'a 4-d input shape',
      (j: JsonDoc) => {
        j.input.shape = [1, 28, 28, 1];
      },
      'manifest.input.shape must be an array of exactly 3, got an array of 4',
    ],
    [
      'an unknown layout',
      (j: JsonDoc) => {
        j.input.layout = 'NWHC';
      },
      "manifest.input.layout must be one of 'NHWC' or 'NCHW', got \"NWHC\"",
    ],
    [
      'rgb channels on a 1-channel input',
      (j: JsonDoc) => {
        j.preprocessing.channels = 'rgb';
      },
      "manifest.input.shape[2] must be 3 for manifest.preprocessing.channels 'rgb', got 1",
    ],
    [
      'a resize that disagrees with the input',
      (j: JsonDoc) => {
        j.preprocessing.resize.width = 32;
      },
      'manifest.preprocessing.resize.width must be 28 (manifest.input.shape[1]), got 32',
    ],
    [
      'a zero std',
      (j: JsonDoc) => {
        j.preprocessing.std = [0];
      },
      'manifest.preprocessing.std[0] must be a positive number, got 0',
    ],
    [
      'a model file without precision',
      (j: JsonDoc) => {
        delete j.files[2].precision;
      },
      "manifest.files[2].precision must be one of 'float32', 'float16', 'int8' or 'mixed' (required for format 'onnx'), got nothing (key missing)",
    ],
    [
      'a path climbing out of the package',
      (j: JsonDoc) => {
        j.files[3].path = '../secrets.txt';
      },
      "manifest.files[3].path must be a relative '/'-separated path inside the package (it has a '..' segment)",
    ],
    [
      'a repeated path',
      (j: JsonDoc) => {
        j.files[3].path = 'model.onnx';
      },
      'manifest.files[3].path repeats "model.onnx" of manifest.files[2]',
    ],
    [
      'a file where a directory is needed',
      (j: JsonDoc) => {
        j.files[3].path = 'model.onnx/labels.txt';
      },
      "needs directory 'model.onnx', which manifest.files[2] lists as a file",
    ],
    [
      'a negative size',
      (j: JsonDoc) => {
        j.files[0].bytes = -1;
      },
      'manifest.files[0].bytes must be a non-negative integer, got -1',
    ],
    [
      'a metric measured on an unlisted file',
      (j: JsonDoc) => {
        j.metrics.onnx_test_accuracy.file = 'model.tflite';
      },
      'manifest.metrics.onnx_test_accuracy.file must be the path of a file in manifest.files, got "model.tflite"',
    ],
    [
      'a metric name with a dash',
      (j: JsonDoc) => {
        j.metrics['top-5'] = 'high';
      },
      'manifest.metrics["top-5"] must be an object, got "high"',
    ],
    [
      'a bad timestamp',
      (j: JsonDoc) => {
        j.lineage[0].createdAt = '31/01/2025';
      },
      'manifest.lineage[0].createdAt must be an ISO 8601 timestamp',
    ],
    [
      'a duplicate label',
      (j: JsonDoc) => {
        j.labels[9] = '0';
      },
      'manifest.labels[9] repeats label "0" of manifest.labels[0]',
    ],
    [
      'no labels',
      (j: JsonDoc) => {
        j.labels = [];
      },
      'manifest.labels must be an array of at least 1, got an array of 0',
    ],
  ])('rejects %s with the JSON path', (_name, change, message) => {
    const error = errorOf(() => validateManifest(mutated(change)));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(message);
  });

  it('rejects non-JSON values inside a config, naming the nested path', () => {
    const manifest = validManifest() as unknown as { lineage: { config: Record<string, unknown> }[] };
    manifest.lineage[0]!.config['lr'] = Number.NaN;
    expect(errorOf(() => validateManifest(manifest)).message).toBe(
      'manifest.lineage[0].config.lr must be a plain JSON value (numbers must be finite), got NaN',
    );
    manifest.lineage[0]!.config['lr'] = new Date(0);
    expect(errorOf(() => validateManifest(manifest)).message).toContain(
      'manifest.lineage[0].config.lr must be a plain JSON object',
    );
  });

  it('rejects a __proto__ key instead of copying it onto a prototype', () => {
    const json = JSON.parse(
      serializeManifest(validManifest()).replace('"metrics": {', '"metrics": {"__proto__": 1,'),
    );
    expect(errorOf(() => validateManifest(json)).message).toBe(
      'manifest.metrics.__proto__ is not allowed as a key',
    );
  });

  it('rejects an unknown schema version, naming the supported ones', () => {
    const error = errorOf(() =>
      validateManifest(
        mutated((j) => {
          j.schemaVersion = 2;
        }),
      ),
    );
    expect(error.code).toBe('SCHEMA_VERSION');
    expect(error.message).toContain('manifest.schemaVersion 2 is not supported');
    expect(error.message).toContain('reads schemaVersion 1');
    expect(error.details).toMatchObject({ got: 2, supported: [1] });
  });

  it('checks the version before anything else, so a newer manifest is not called invalid', () => {
    const error = errorOf(() => validateManifest({ schemaVersion: 3, somethingNew: true }));
    expect(error.code).toBe('SCHEMA_VERSION');
  });

  it('treats a missing or non-integer version as an invalid manifest', () => {
    expect(
      errorOf(() =>
        validateManifest(
          mutated((j) => {
            delete j.schemaVersion;
          }),
        ),
      ).code,
    ).toBe('MANIFEST_INVALID');
    expect(
      errorOf(() =>
        validateManifest(
          mutated((j) => {
            j.schemaVersion = '1';
          }),
        ),
      ).message,
    ).toBe('manifest.schemaVersion must be a positive integer (supported: 1), got "1"');
  });

  it('rejects a root that is not an object, and text that is not JSON', () => {
    expect(errorOf(() => validateManifest([])).message).toBe('manifest must be an object, got an array of 0');
    const error = errorOf(() => parseManifest('{"schemaVersion": 1,', 'runs/mnist'));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toMatch(/^manifest\.json of runs\/mnist is not valid JSON: /);
  });
});
