// createBatchClassifier: bad images become their own entries, in order; the good ones run as one
// stacked inference when the model takes a batch axis, else one by one (found out once). The
// "model" here is a small linear one over the real preprocessing path (decode, resize, normalise),
// so each image's scores are computable independently of the code under test.
import { encodePng } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import type { Classifier } from '../../classifier/classifier.js';
import { softmax, topK } from '../../classifier/top-k.js';
import type { InputSpec } from '../../preprocess/input-spec.js';
import { preprocessInput } from '../../preprocess/preprocess.js';
import { HttpError } from './http-error.js';
import type { BatchItem } from './request-batch.js';
import { createBatchClassifier, type WorkerModel } from './worker-model.js';

const LABELS = ['dark', 'mid', 'bright'];
const SPEC: InputSpec = {
  height: 4,
  width: 4,
  channels: 1,
  layout: 'NHWC',
  scale: 1 / 255,
  mean: [0],
  std: [1],
  shape: [1, 4, 4, 1],
};

/** Logits of one preprocessed image: how close its mean brightness m is to 0, 0.5 and 1. */
function logits(tensor: Float32Array): Float32Array {
  const m = tensor.reduce((a, b) => a + b, 0) / tensor.length;
  return Float32Array.from([0, 0.5, 1].map((c) => -50 * (m - c) ** 2));
}

function linearModel(batching: 'dynamic' | 'fixed', calls: { batched: number; single: number }): WorkerModel {
  const classifier = {
    manifest: { labels: LABELS, output: { activation: 'none' } },
    inputSpec: SPEC,
    preprocess: (image: Uint8Array) => preprocessInput(image, SPEC),
    async classify(tensor: Float32Array, { topK: k = 5 } = {}) {
      calls.single++;
      return { predictions: topK(softmax(logits(tensor)), LABELS, k), timings: {} };
    },
  } as unknown as Classifier;
  return {
    classifier,
    async runBatch(tensor, count) {
      if (batching === 'fixed')
        throw new Error('Got invalid dimensions for input: index 0 Got: 2 Expected: 1');
      calls.batched++;
      const size = tensor.length / count;
      const out = new Float32Array(count * LABELS.length);
      for (let i = 0; i < count; i++)
        out.set(logits(tensor.subarray(i * size, (i + 1) * size)), i * LABELS.length);
      return out;
    },
  };
}

const gray = (value: number, size = 4) =>
  encodePng({ width: size, height: size, channels: 1, data: new Uint8Array(size * size).fill(value) });

describe('createBatchClassifier', () => {
  const items: BatchItem[] = [
    { bytes: gray(10) },
    { bytes: new Uint8Array([137, 80, 78, 71, 1, 2, 3]) }, // a PNG signature and nothing else
    { error: new HttpError('INVALID_IMAGE', 'this entry is not valid non-empty base64') },
    { bytes: gray(240, 8) },
    { bytes: gray(128) },
    { bytes: gray(200, 64) }, // over the pixel limit below
  ];
  const expected = ['dark', 'INVALID_IMAGE', 'INVALID_IMAGE', 'bright', 'mid', 'PAYLOAD_TOO_LARGE'];
  const summary = (results: readonly unknown[]) =>
    results.map((r) =>
      'predictions' in (r as object)
        ? (r as { predictions: { label: string }[] }).predictions[0]?.label
        : (r as { error: { code: string } }).error.code,
    );

  it('answers each image in order, runs the good ones as one batch when the model takes one', async () => {
    const calls = { batched: 0, single: 0 };
    const batch = createBatchClassifier(linearModel('dynamic', calls));
    const answer = await batch.classify(items, { topK: 3, maxImagePixels: 1024 });
    expect(summary(answer.results)).toEqual(expected);
    expect(answer.batched).toBe(true);
    expect(calls).toEqual({ batched: 1, single: 0 });
    // Same probabilities as one image at a time.
    const single = createBatchClassifier(linearModel('fixed', { batched: 0, single: 0 }));
    const one = await single.classify([items[3] as BatchItem], { topK: 3, maxImagePixels: 1024 });
    expect((answer.results[3] as { predictions: unknown }).predictions).toEqual(
      (one.results[0] as { predictions: unknown }).predictions,
    );
  });

  it('falls back to one run per image for a model with a fixed batch of 1, and remembers it', async () => {
    const calls = { batched: 0, single: 0 };
    const batch = createBatchClassifier(linearModel('fixed', calls));
    const first = await batch.classify(items, { topK: 3, maxImagePixels: 1024 });
    expect(summary(first.results)).toEqual(expected);
    expect(first.batched).toBe(false);
    expect(calls.single).toBe(3);
    const second = await batch.classify(items, { topK: 3, maxImagePixels: 1024 });
    expect(summary(second.results)).toEqual(expected);
    expect(calls.single).toBe(6);
  });
});
