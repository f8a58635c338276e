/**
 * Mixup (Zhang et al., 2018): each batch is blended with a shuffled copy of itself,
 * x = lam * x + (1 - lam) * x[perm] and the same for the one-hot targets, with lam drawn from
 * Beta(alpha, alpha) by the seeded generator (via two Gamma samples, Marsaglia-Tsang).
 */
import type { SeededRandom } from '@edgeml/core';

/** A Gamma(shape, 1) sample (Marsaglia and Tsang's method; boosted for shape < 1). */
export function sampleGamma(shape: number, rng: SeededRandom): number {
  if (shape < 1) {
    const u = rng.next();
    return sampleGamma(shape + 1, rng) * (u === 0 ? 0 : u ** (1 / shape));
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) sample. */
export function sampleBeta(a: number, b: number, rng: SeededRandom): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** A mixed batch and the mixing weight used. */
export interface MixedBatch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly lambda: number;
}

/**
 * Mixes `n` images (`x`, NHWC flattened) and their targets (`y`, [n, k]) with a shuffled copy of
 * the batch; returns new arrays.
 */
export function mixupBatch(
  x: Float32Array,
  y: Float32Array,
  n: number,
  alpha: number,
  rng: SeededRandom,
): MixedBatch {
  const lambda = sampleBeta(alpha, alpha, rng);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  rng.shuffle(perm);
  return { x: blend(x, n, perm, lambda), y: blend(y, n, perm, lambda), lambda };
}

function blend(a: Float32Array, n: number, perm: Int32Array, lambda: number): Float32Array {
  const row = a.length / n;
  const out = new Float32Array(a.length);
  for (let i = 0; i < n; i++) {
    const j = perm[i]!;
    for (let e = 0; e < row; e++)
      out[i * row + e] = lambda * a[i * row + e]! + (1 - lambda) * a[j * row + e]!;
  }
  return out;
}
