/**
 * The model-running part of the Worker, behind one small interface so that a runtime other than
 * onnxruntime-web (a compiled model, say) can serve the same app: a Classifier for one image per
 * request and, where the runtime takes a batch axis, a batched run. `classifyBatch` runs a batch
 * request's images: each checked and preprocessed on its own (a bad one becomes its entry's error),
 * the good ones stacked into one inference when the model takes a dynamic batch (tried once; a model
 * with a fixed batch of 1 falls back to one run per image from then on).
 */
import { EdgemlError, probeImage } from '@edgeml/core';
import type { Classifier } from '../../classifier/classifier.js';
import { type Prediction, softmax, topK } from '../../classifier/top-k.js';
import { HttpError } from './http-error.js';
import type { BatchItem } from './request-batch.js';

/** What the Worker app runs images on. */
export interface WorkerModel {
  /** One image per call (the shared preprocessing, the runtime, top-k). */
  readonly classifier: Classifier;
  /**
   * Runs `count` preprocessed inputs stacked along the batch axis (the classifier's input shape
   * with its first dimension set to `count`) in one inference; answers count × labels scores.
   * Absent when the runtime cannot batch.
   */
  readonly runBatch?: (tensor: Float32Array, count: number) => Promise<Float32Array>;
}

/** Refuses bytes that are not a PNG/JPEG header, or an image over the pixel limit (before decoding). */
export function checkImageHeader(bytes: Uint8Array, maxImagePixels: number): void {
  const header = probeImage(bytes);
  if (header === undefined) throw new HttpError('INVALID_IMAGE', 'not a PNG or JPEG image');
  if (header.width * header.height > maxImagePixels) {
    throw new HttpError(
      'PAYLOAD_TOO_LARGE',
      `image of ${header.width}x${header.height} pixels exceeds the limit of ${maxImagePixels} pixels`,
    );
  }
}

/** An image error as an HttpError (undecodable images and bad pixel data are the client's). */
export function imageError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof EdgemlError && (error.code === 'IMAGE_DECODE' || error.code === 'CONFIG_INVALID')) {
    return new HttpError('INVALID_IMAGE', error.message);
  }
  return undefined;
}

/** One entry of a batch answer. */
export type BatchResult =
  | { readonly predictions: readonly Prediction[] }
  | { readonly error: { readonly code: string; readonly message: string } };

/** A batch answer: one result per image, in order, and how the good ones were run. */
export interface BatchAnswer {
  readonly results: readonly BatchResult[];
  /** Whether the good images ran in one inference (false: one run per image). */
  readonly batched: boolean;
  /** Time in the runtime (ms; 0 where timers do not advance, as in deployed Workers). */
  readonly inferenceMs: number;
}

const asResult = (error: HttpError): BatchResult => ({ error: { code: error.code, message: error.message } });

/** Runs batch requests on one model; remembers whether the model takes a batch axis. */
export function createBatchClassifier(model: WorkerModel) {
  let canBatch = model.runBatch !== undefined;
  const { classifier } = model;
  const labels = classifier.manifest.labels;
  const logits = (classifier.manifest.output?.activation ?? 'softmax') === 'none';
  const rank = (scores: ArrayLike<number>, k: number) => topK(logits ? softmax(scores) : scores, labels, k);

  async function runStacked(tensors: readonly Float32Array[]): Promise<Float32Array[] | undefined> {
    if (!canBatch || !model.runBatch || tensors.length < 2) return undefined;
    const size = tensors[0]?.length ?? 0;
    const stacked = new Float32Array(size * tensors.length);
    for (const [i, t] of tensors.entries()) stacked.set(t, i * size);
    let scores: Float32Array;
    try {
      scores = await model.runBatch(stacked, tensors.length);
    } catch {
      canBatch = false;
      return undefined;
    }
    if (scores.length !== labels.length * tensors.length) {
      canBatch = false;
      return undefined;
    }
    return tensors.map((_, i) => scores.subarray(i * labels.length, (i + 1) * labels.length));
  }

  return {
    /** Classifies the batch's images (see the file comment); `topK` is already capped at the labels. */
    async classify(items: readonly BatchItem[], options: { topK: number; maxImagePixels: number }) {
      const results: (BatchResult | undefined)[] = [];
      const tensors: Float32Array[] = [];
      const slots: number[] = [];
      for (const [i, item] of items.entries()) {
        if ('error' in item) {
          results[i] = asResult(item.error);
          continue;
        }
        try {
          checkImageHeader(item.bytes, options.maxImagePixels);
          tensors.push(classifier.preprocess(item.bytes).tensor);
          slots.push(i);
        } catch (error) {
          const refused = imageError(error);
          if (!refused) throw error;
          results[i] = asResult(refused);
        }
      }
      const start = performance.now();
      const stacked = await runStacked(tensors);
      const batched = stacked !== undefined;
      for (const [j, slot] of slots.entries()) {
        const tensor = tensors[j] as Float32Array;
        const predictions = stacked
          ? rank(stacked[j] as Float32Array, options.topK)
          : (await classifier.classify(tensor, { topK: options.topK })).predictions;
        results[slot] = { predictions };
      }
      const answer: BatchAnswer = {
        results: results as BatchResult[],
        batched,
        inferenceMs: performance.now() - start,
      };
      return answer;
    },
  };
}
