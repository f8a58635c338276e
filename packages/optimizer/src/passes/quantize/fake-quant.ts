/**
 * Fake quantisation for quantisation-aware training: `dequantize(quantize(x))` as a TF.js op with a
 * straight-through estimator gradient (the incoming gradient passes unchanged where `x` lies inside
 * the representable range `[(qmin - z)·s, (qmax - z)·s]`, zero outside). Rounding is half to even
 * (`tf.round`), as quant-math.ts and ONNX QuantizeLinear round. `fakeQuantWeights` applies it to a
 * kernel the way quantizeGraph quantises it: symmetric int8 [-127, 127], one scale per output channel
 * (the channel of a flat index being `index % channels`) or one per tensor.
 */

import * as tf from '@tensorflow/tfjs';
import { WEIGHT_INT8_MAX } from './quant-math.js';

/** Smallest weight scale (quant-math.ts uses the same floor). */
const MIN_SCALE = 1e-8;

/**
 * `scale · (clamp(round(x / scale) + zeroPoint, qmin, qmax) - zeroPoint)` with a straight-through
 * gradient; `scale` and `zeroPoint` are numbers or tensors broadcast against `x` (e.g. per channel on
 * the last axis) and receive no gradient.
 */
export function fakeQuant(
  x: tf.Tensor,
  scale: number | tf.Tensor,
  zeroPoint: number | tf.Tensor,
  qmin: number,
  qmax: number,
): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const s = tf.cast(scale, 'float32');
    const z = tf.cast(zeroPoint, 'float32');
    const q = tf.clipByValue(tf.add(tf.round(tf.div(input, s)), z), qmin, qmax);
    const value = tf.mul(tf.sub(q, z), s);
    const lo = tf.mul(tf.sub(tf.scalar(qmin), z), s);
    const hi = tf.mul(tf.sub(tf.scalar(qmax), z), s);
    const inside = tf.cast(tf.logicalAnd(tf.greaterEqual(input, lo), tf.lessEqual(input, hi)), 'float32');
    save([inside]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!),
    };
  });
  return op(x) as tf.Tensor;
}

/**
 * Fake-quantises a kernel as quantizeWeights quantises it: symmetric, zero point 0, values in
 * [-127, 127], scale `max|w| / 127` per channel (`channels` > 1; channel = flat index % channels).
 */
export function fakeQuantWeights(w: tf.Tensor, channels: number): tf.Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(w, [-1, channels]);
    // The scale only reaches the customGrad op's closure, so no gradient flows into it.
    const maxAbs = tf.max(tf.abs(flat), channels === 1 ? undefined : 0);
    const scale = tf.maximum(tf.div(maxAbs, WEIGHT_INT8_MAX), MIN_SCALE);
    return tf.reshape(fakeQuant(flat, scale, 0, -WEIGHT_INT8_MAX, WEIGHT_INT8_MAX), w.shape);
  });
}
