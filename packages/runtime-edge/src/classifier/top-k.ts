/** Scores to ranked predictions: optional softmax over logits, then the k most probable classes. */

/** One ranked class. */
export interface Prediction {
  readonly label: string;
  readonly index: number;
  readonly probability: number;
}

/** Softmax in float64, numerically stable (max subtracted). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] ?? 0);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp((logits[i] ?? 0) - max);
    sum += out[i] ?? 0;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / sum;
  return out;
}

/** The `k` highest scores with their labels, highest first; ties keep the lower class index first. */
export function topK(probabilities: ArrayLike<number>, labels: readonly string[], k: number): Prediction[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i);
  order.sort((a, b) => (probabilities[b] ?? 0) - (probabilities[a] ?? 0) || a - b);
  return order.slice(0, Math.max(1, k)).map((index) => ({
    label: labels[index] ?? String(index),
    index,
    probability: probabilities[index] ?? 0,
  }));
}
