/**
 * The one preprocessing path every runtime adapter is fed by: decode (EXIF orientation applied),
 * channel conversion (exact integer BT.601 luma), core's fitImage (exact integer bilinear resize,
 * stretched or centre-cropped as the manifest's `preprocessing.resize.fit` says; the trainer's image
 * folders use the same function in the same order), normalisation with the manifest's
 * scale/mean/std, and layout (NHWC or NCHW). Pure JavaScript on integers until the last step, and
 * the last step is the same float64 expression rounded to float32, so the tensor is bit-identical
 * in Node, browsers and Workers, whichever runtime consumes it.
 */
import { ConfigError, convertChannels, fitImage, type RawImage } from '@edgeml/core';
import { type ClassifierInput, isTensorInput, toRawImage } from './image-input.js';
import type { InputSpec } from './input-spec.js';

/** Time spent in each preprocessing stage, in milliseconds. */
export interface PreprocessTimings {
  /** Decoding PNG/JPEG bytes (0 for pixel and tensor inputs). */
  readonly decode: number;
  /** Channel conversion, resize, normalisation and layout. */
  readonly preprocess: number;
}

/** A model-ready input tensor with how long it took to make. */
export interface PreprocessedInput {
  readonly tensor: Float32Array;
  readonly shape: readonly number[];
  readonly timings: PreprocessTimings;
}

/** Normalises an 8-bit image already at the model's size and channels into a float32 tensor. */
export function normalizeImage(image: RawImage, spec: InputSpec): Float32Array {
  const { width, height, channels } = spec;
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  const src = image.data;
  for (let c = 0; c < channels; c++) {
    const mean = spec.mean[c] ?? 0;
    const std = spec.std[c] ?? 1;
    for (let i = 0; i < plane; i++) {
      const value = ((src[i * channels + c] ?? 0) * spec.scale - mean) / std;
      out[spec.layout === 'NCHW' ? c * plane + i : i * channels + c] = value;
    }
  }
  return out;
}

/** Turns any classifier input into the tensor `spec` describes (see the file comment). */
export function preprocessInput(input: ClassifierInput, spec: InputSpec): PreprocessedInput {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (isTensorInput(input)) {
    if (input.length !== size) {
      throw new ConfigError(
        `a preprocessed tensor must have ${size} values (shape [${spec.shape.join(', ')}], ${spec.layout}), got ${input.length}`,
      );
    }
    return { tensor: input, shape: spec.shape, timings: { decode: 0, preprocess: 0 } };
  }
  const t0 = performance.now();
  const raw = toRawImage(input);
  const t1 = performance.now();
  const converted = convertChannels(raw, spec.channels);
  const fitted = fitImage(converted, spec.width, spec.height, spec.fit ?? 'stretch');
  const tensor = normalizeImage(fitted, spec);
  const t2 = performance.now();
  return { tensor, shape: spec.shape, timings: { decode: t1 - t0, preprocess: t2 - t1 } };
}
