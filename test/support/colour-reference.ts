/**
 * The reference the serving suites compare a Worker's or a page's answers with: onnxruntime-node,
 * in the test process, run on the tensor the Node classifier builds from the same bytes. Plus the
 * checks that keep that comparison honest: the hand-computed tensor of a flat-colour image, and
 * proof that each preprocessing mistake a target could make (stretch instead of centre crop, EXIF
 * ignored, channels swapped, alpha composited) moves the probabilities far beyond the tolerance.
 */
import { type Classifier, type Prediction, preprocessInput, toRawImage } from '@edgeml/runtime-edge';
import jpeg from 'jpeg-js';
import type { UserImage } from './user-images.js';

/** Probability by label. */
export type Scores = ReadonlyMap<string, number>;

/** Scores of a top-k list (a Worker's JSON, a page's list). */
export function scoresOf(predictions: readonly Pick<Prediction, 'label' | 'probability'>[]): Scores {
  return new Map(predictions.map((p) => [p.label, p.probability]));
}

/** onnxruntime-node's scores for `bytes`: the ort-node classifier run on its own preprocessed tensor. */
export async function referenceScores(reference: Classifier, bytes: Uint8Array): Promise<Scores> {
  const { tensor } = reference.preprocess(bytes);
  const labels = reference.manifest.labels.length;
  return scoresOf((await reference.classify(tensor, { topK: labels })).predictions);
}

/** The label of the highest score. */
export function top1(scores: Scores): string | undefined {
  let best: [string, number] | undefined;
  for (const entry of scores) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}

/** Largest |a - b| over the labels of `expected` (Infinity when `actual` lacks one). */
export function maxAbsDifference(actual: Scores, expected: Scores): number {
  let max = 0;
  for (const [label, p] of expected) max = Math.max(max, Math.abs((actual.get(label) ?? Infinity) - p));
  return max;
}

/**
 * The model input every pixel of a flat-colour image gives, worked out by hand from the manifest's
 * formula x = (v * scale - mean[c]) / std[c], as float32: one value per channel.
 */
export function handComputedInput(reference: Classifier, colour: readonly number[]): number[] {
  const { scale, mean, std } = reference.manifest.preprocessing;
  return colour.map((v, c) => Math.fround((v * scale - (mean[c] ?? 0)) / (std[c] ?? 1)));
}

/** Largest |tensor[i] - expected[channel of i]| over an NHWC tensor. */
export function maxDeviationFromFlat(tensor: Float32Array, expected: readonly number[]): number {
  let max = 0;
  for (let i = 0; i < tensor.length; i++)
    max = Math.max(max, Math.abs((tensor[i] ?? Number.NaN) - (expected[i % expected.length] ?? Number.NaN)));
  return Number.isNaN(max) ? Infinity : max;
}

/** Pixels of a decoded image with channels reordered or alpha composited (a target's possible mistake). */
function pixels(width: number, height: number, data: Uint8Array) {
  return { width, height, channels: 3, data };
}

/**
 * The scores the reference gives when `image` is preprocessed wrongly in each way that applies to
 * it: every image stretched instead of centre-cropped; colour images with R and B swapped; the
 * EXIF-oriented JPEG decoded without its orientation; RGBA PNGs composited over black.
 */
export async function wronglyPreprocessedScores(
  reference: Classifier,
  image: UserImage,
): Promise<{ mistake: string; scores: Scores }[]> {
  const labels = reference.manifest.labels.length;
  const run = async (input: Parameters<Classifier['classify']>[0]) =>
    scoresOf((await reference.classify(input, { topK: labels })).predictions);
  const out = [
    {
      mistake: 'stretch instead of center-crop',
      scores: await run(preprocessInput(image.bytes, { ...reference.inputSpec, fit: 'stretch' }).tensor),
    },
  ];
  const raw = toRawImage(image.bytes);
  if (raw.channels === 3) {
    const bgr = new Uint8Array(raw.data.length);
    for (let i = 0; i < bgr.length; i += 3) bgr.set([raw.data[i + 2]!, raw.data[i + 1]!, raw.data[i]!], i);
    out.push({ mistake: 'R and B swapped', scores: await run(pixels(raw.width, raw.height, bgr)) });
  }
  if (image.name.includes('exif')) {
    // jpeg-js alone ignores the EXIF segment: the stored, sideways image.
    const stored = jpeg.decode(image.bytes, { useTArray: true, formatAsRGBA: true });
    out.push({
      mistake: 'EXIF orientation ignored',
      scores: await run({ width: stored.width, height: stored.height, channels: 4, data: stored.data }),
    });
  }
  const source = image.source;
  if (source?.channels === 4) {
    const over = new Uint8Array(source.width * source.height * 3);
    for (let i = 0; i < source.width * source.height; i++)
      for (let c = 0; c < 3; c++)
        over[i * 3 + c] = Math.round(((source.data[i * 4 + c] ?? 0) * (source.data[i * 4 + 3] ?? 0)) / 255);
    out.push({
      mistake: 'alpha composited over black',
      scores: await run(pixels(source.width, source.height, over)),
    });
  }
  return out;
}
