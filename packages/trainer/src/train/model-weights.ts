/**
 * A stable order of a model's weights: layer by layer, each layer's own weights in creation
 * order (e.g. BatchNorm gamma, beta, moving mean, moving variance). Unlike `model.weights`, whose
 * order moves frozen layers' weights to the non-trainable end, this order does not change when
 * layers are frozen or unfrozen, so it keys checkpoints and optimizer slots.
 */
import type * as tf from '@tensorflow/tfjs';
import { invalid } from './checkpoint.js';
import type { NamedTensor } from './tensor-file.js';

/** A layer weight as tfjs-layers exposes it (LayerVariable is not exported by name). */
export type LayerWeight = tf.layers.Layer['weights'][number];

/** Every weight of `model`, in the stable order. */
export function orderedWeights(model: tf.LayersModel): LayerWeight[] {
  return model.layers.flatMap((layer) => layer.weights);
}

/** The model's weights in the stable order, as named tensors (the variables' current values). */
export function namedWeights(model: tf.LayersModel): NamedTensor[] {
  return orderedWeights(model).map((w) => ({ name: w.originalName, tensor: w.read() }));
}

/** Copies of every weight's current value (the caller disposes them). */
export function snapshotWeights(model: tf.LayersModel): NamedTensor[] {
  return orderedWeights(model).map((w) => ({ name: w.originalName, tensor: w.read().clone() }));
}

/** Writes saved values into the model's weights, in the stable order, checking count and shapes. */
export function assignWeights(model: tf.LayersModel, saved: readonly NamedTensor[], source: string): void {
  const weights = orderedWeights(model);
  if (weights.length !== saved.length) {
    invalid(source, `it holds ${saved.length} weight tensors but the model has ${weights.length}`);
  }
  weights.forEach((w, i) => {
    const s = saved[i]!;
    if (w.shape.join('x') !== s.tensor.shape.join('x')) {
      invalid(
        source,
        `weight ${i} ('${w.name}') has shape [${w.shape}] in the model but [${s.tensor.shape}] saved`,
      );
    }
  });
  // The variables take the saved tensors' data by reference (tfjs tensors are immutable), so the
  // caller may dispose `saved` afterwards.
  weights.forEach((w, i) => {
    w.write(saved[i]!.tensor);
  });
}
