/**
 * A small in-memory data set and model for the trainer's tests: 8x8 grey images of three
 * linearly separable patterns (bright top rows, bright left columns, bright centre) with seeded
 * noise, and a tiny CNN ending in a `logits` dense layer and a `probs` softmax.
 */
import { SeededRandom } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchOptions, DataSplit, Dataset, SplitName } from '../../data/dataset.js';

const H = 8;
const W = 8;
const MEAN = 0.3;
const STD = 0.35;

function pattern(label: number, y: number, x: number): boolean {
  if (label === 0) return y < 3;
  if (label === 1) return x < 3;
  return y >= 2 && y < 6 && x >= 2 && x < 6;
}

/** An in-memory split of toy images. */
export function toySplit(
  name: SplitName,
  size: number,
  seed: number,
  classes: readonly number[] = [0, 1, 2],
): DataSplit {
  const rng = new SeededRandom(seed);
  const labels = new Int32Array(size);
  const pixels = new Uint8Array(size * H * W);
  for (let i = 0; i < size; i++) {
    const label = classes[i % classes.length]!;
    labels[i] = label;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const base = pattern(label, y, x) ? 200 : 30;
        pixels[i * H * W + y * W + x] = Math.max(
          0,
          Math.min(255, Math.round(base + (rng.next() - 0.5) * 80)),
        );
      }
    }
  }
  const read = (indices: ArrayLike<number>): Uint8Array => {
    const out = new Uint8Array(indices.length * H * W);
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i]!;
      out.set(pixels.subarray(j * H * W, (j + 1) * H * W), i * H * W);
    }
    return out;
  };
  return {
    name,
    size,
    labels,
    readPixels: async (indices) => read(indices),
    async *batches(options: BatchOptions): AsyncIterable<Batch> {
      let order = Int32Array.from({ length: size }, (_, i) => i);
      if (options.shuffle === true) order = new SeededRandom(options.seed ?? 0).shuffle(order);
      if (options.limit !== undefined) order = order.slice(0, options.limit);
      for (let start = 0; start < order.length; start += options.batchSize) {
        const indices = order.slice(start, start + options.batchSize);
        if (options.dropRemainder === true && indices.length < options.batchSize) break;
        const raw = read(indices);
        const x = Float32Array.from(raw, (p) => (p / 255 - MEAN) / STD);
        const y = Int32Array.from(indices, (j) => labels[j]!);
        yield { x, y, size: indices.length, shape: [indices.length, H, W, 1], indices };
      }
    },
  };
}

/** The toy data set: `trainSize` training and `valSize` validation images. */
export function toyDataset(trainSize = 96, valSize = 48, trainClasses?: readonly number[]): Dataset {
  const splits: Record<SplitName, DataSplit> = {
    train: toySplit('train', trainSize, 1, trainClasses),
    validation: toySplit('validation', valSize, 2),
    test: toySplit('test', valSize, 3),
  };
  return {
    info: {
      name: 'toy',
      classNames: ['top', 'left', 'centre'],
      inputShape: [H, W, 1],
      normalization: { mean: [MEAN], std: [STD] },
      splitSizes: { train: trainSize, validation: valSize, test: valSize },
      classCounts: { train: [], validation: [], test: [] },
      dropped: { count: 0, reasons: [] },
      splitPolicy: 'generated',
    },
    split: (name) => splits[name],
  };
}

/** Options of the toy CNN. */
export interface ToyModelOptions {
  readonly seed?: number;
  readonly batchNorm?: boolean;
  readonly dropout?: number;
  readonly filters?: number;
}

/** A tiny CNN: conv 3x3 (+BN) + ReLU, max-pool, flatten, (dropout), dense `logits`, softmax `probs`. */
export function toyModel(options: ToyModelOptions = {}): tf.LayersModel {
  const seed = options.seed ?? 0;
  const input = tf.input({ shape: [H, W, 1] });
  let h = tf.layers
    .conv2d({
      filters: options.filters ?? 4,
      kernelSize: 3,
      padding: 'same',
      useBias: options.batchNorm !== true,
      // tfjs treats seed 0 as 'no seed' (Math.random), so seeds here are never 0.
      kernelInitializer: tf.initializers.heNormal({ seed: 2 * seed + 1 }),
    })
    .apply(input) as tf.SymbolicTensor;
  if (options.batchNorm === true) h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  if (options.dropout !== undefined)
    h = tf.layers.dropout({ rate: options.dropout }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      units: 3,
      name: 'logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 * seed + 2 }),
    })
    .apply(h) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ name: 'probs' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs });
}

/** Every weight of a model, flattened, for equality checks. */
export function flatWeights(model: tf.LayersModel): Float32Array[] {
  return model.layers.flatMap((l) => l.weights.map((w) => w.read().dataSync() as Float32Array));
}
