/**
 * Frozen BatchNorm layers run in inference mode, as in Keras 2 and PyTorch's usual fine-tuning
 * recipe: a BatchNorm layer with `trainable = false` normalises with its moving statistics and
 * does not update them. tfjs-layers would otherwise still use batch statistics and overwrite the
 * moving averages of a frozen backbone while training mode is on. The override is set on the
 * layer instances for the duration of training and removed afterwards.
 */
import type * as tf from '@tensorflow/tfjs';

type CallFn = tf.layers.Layer['call'];

const patched = new WeakSet<tf.layers.Layer>();

/** Makes every non-trainable BatchNormalization layer ignore `training: true`; returns an undo. */
export function holdFrozenBatchNorm(model: tf.LayersModel): () => void {
  const layers = model.layers.filter(
    (l) => l.getClassName() === 'BatchNormalization' && !l.trainable && !patched.has(l),
  );
  for (const layer of layers) {
    const original: CallFn = layer.call.bind(layer);
    const call: CallFn = (inputs, kwargs) => original(inputs, { ...kwargs, training: false });
    Object.defineProperty(layer, 'call', { value: call, configurable: true, writable: true });
    patched.add(layer);
  }
  return () => {
    for (const layer of layers) {
      delete (layer as { call?: CallFn }).call;
      patched.delete(layer);
    }
  };
}
