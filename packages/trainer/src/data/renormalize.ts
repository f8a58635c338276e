/**
 * A view of a split normalised with another mean/std: evaluating a model on a data set must use
 * the normalisation the model was trained with (stored in its manifest), which can differ from the
 * data set's own (another seed, another validation size, another data set of the same shape).
 */
import type { Batch, BatchOptions, DataSplit, Dataset, Normalization } from './dataset.js';

/** True when two normalisations are equal to within float32 precision. */
export function sameNormalization(a: Normalization, b: Normalization): boolean {
  const close = (x: readonly number[], y: readonly number[]) =>
    x.length === y.length &&
    x.every((v, i) => Math.abs(v - (y[i] ?? Number.NaN)) <= 1e-7 * Math.max(1, Math.abs(v)));
  return close(a.mean, b.mean) && close(a.std, b.std);
}

/** `split` with batches re-normalised from `from` (the data set's) to `to` (the model's). */
export function renormalizeSplit(split: DataSplit, from: Normalization, to: Normalization): DataSplit {
  if (sameNormalization(from, to)) return split;
  const channels = from.mean.length;
  // x_to = ((x_from * std_from + mean_from) - mean_to) / std_to = x_from * a + b, per channel.
  const a = Float32Array.from({ length: channels }, (_, c) => (from.std[c] ?? 1) / (to.std[c] ?? 1));
  const b = Float32Array.from(
    { length: channels },
    (_, c) => ((from.mean[c] ?? 0) - (to.mean[c] ?? 0)) / (to.std[c] ?? 1),
  );
  return {
    name: split.name,
    size: split.size,
    labels: split.labels,
    readPixels: (indices) => split.readPixels(indices),
    async *batches(options: BatchOptions): AsyncIterable<Batch> {
      for await (const batch of split.batches(options)) {
        const x = new Float32Array(batch.x.length);
        for (let i = 0; i < x.length; i++) {
          const c = i % channels;
          x[i] = (batch.x[i] ?? 0) * (a[c] ?? 1) + (b[c] ?? 0);
        }
        yield { ...batch, x };
      }
    },
  };
}

/**
 * `dataset` seen with another normalisation: its info says `to` and every split is re-normalised to
 * it. A model's passes (fine-tuning, evaluation, calibration) see its data this way, so its inputs
 * are always normalised as at training time, whatever the data set's own statistics.
 */
export function renormalizeDataset(dataset: Dataset, to: Normalization): Dataset {
  const from = dataset.info.normalization;
  if (sameNormalization(from, to)) return dataset;
  const normalization = { mean: [...to.mean], std: [...to.std] };
  return {
    info: { ...dataset.info, normalization },
    split: (name) => renormalizeSplit(dataset.split(name), from, normalization),
  };
}
