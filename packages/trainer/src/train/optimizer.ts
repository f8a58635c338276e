/**
 * The optimizers, written here rather than taken from tf.train so that (1) AdamW exists (tfjs has
 * none): decay is decoupled from the adaptive step, `w <- w * (1 - lr * wd)` then the Adam update,
 * as PyTorch's AdamW does; (2) Adam with `weightDecay` is the classic coupled L2 (`g + wd * w`),
 * whose decay is rescaled by the adaptive denominator, which is why the two differ; (3) every slot
 * variable (Adam m/v, SGD momentum) and the step counter can be saved and restored exactly for a
 * bitwise resume. Slots are keyed by the weight's position in `model.weights`, which is stable
 * across processes, unlike tfjs's auto-generated variable names.
 * Weight decay applies to kernels (rank >= 2) only, never to biases or BatchNorm parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from './config.js';

/** One trainable variable and its stable key (position in model.weights). */
export interface KeyedVariable {
  readonly key: number;
  readonly variable: tf.Variable;
}

/** A saved slot: `${key}/${slot}` and its value. */
export interface SlotValue {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** Adam, AdamW and SGD with momentum, with inspectable state. */
export class TrainingOptimizer {
  /** Optimizer steps taken so far (Adam's bias-correction counter). */
  step = 0;
  private readonly slots = new Map<string, tf.Variable>();

  constructor(readonly config: OptimizerConfig) {}

  private slot(key: number, name: string, like: tf.Tensor): tf.Variable {
    const id = `${key}/${name}`;
    let v = this.slots.get(id);
    if (v === undefined) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.slots.set(id, v);
    }
    return v;
  }

  /** Applies one update with learning rate `lr`; `grads[i]` is the gradient of `vars[i]`. */
  apply(vars: readonly KeyedVariable[], grads: readonly tf.Tensor[], lr: number): void {
    const { name, beta1, beta2, epsilon, weightDecay, momentum, nesterov } = this.config;
    this.step += 1;
    const t = this.step;
    tf.tidy(() => {
      vars.forEach(({ key, variable: w }, i) => {
        const g = grads[i];
        if (g === undefined) return;
        const decay = weightDecay > 0 && w.rank >= 2;
        if (name === 'sgd') {
          const grad = decay ? g.add(w.mul(weightDecay)) : g;
          let direction = grad;
          if (momentum > 0) {
            const buf = this.slot(key, 'momentum', w);
            buf.assign(buf.mul(momentum).add(grad));
            direction = nesterov ? grad.add(buf.mul(momentum)) : buf;
          }
          w.assign(w.sub(direction.mul(lr)));
          return;
        }
        const grad = name === 'adam' && decay ? g.add(w.mul(weightDecay)) : g;
        const m = this.slot(key, 'm', w);
        const v = this.slot(key, 'v', w);
        m.assign(m.mul(beta1).add(grad.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(grad.square().mul(1 - beta2)));
        const mHat = m.div(1 - beta1 ** t);
        const vHat = v.div(1 - beta2 ** t);
        const update = mHat.div(vHat.sqrt().add(epsilon)).mul(lr);
        const base = name === 'adamw' && decay ? w.mul(1 - lr * weightDecay) : w;
        w.assign(base.sub(update));
      });
    });
  }

  /** Every slot variable, sorted by key then slot name (for checkpoints). */
  getSlots(): SlotValue[] {
    return [...this.slots.entries()]
      .sort(([a], [b]) => compareSlotNames(a, b))
      .map(([name, tensor]) => ({ name, tensor }));
  }

  /** Replaces all slots with saved values (tensors are copied) and sets the step counter. */
  setState(step: number, slots: readonly SlotValue[]): void {
    this.dispose();
    this.step = step;
    for (const { name, tensor } of slots)
      this.slots.set(
        name,
        tf.tidy(() => tf.variable(tensor.clone(), false)),
      );
  }

  /** Frees the slot variables. */
  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}

function compareSlotNames(a: string, b: string): number {
  const [ka = '', sa = ''] = a.split('/');
  const [kb = '', sb = ''] = b.split('/');
  return Number(ka) - Number(kb) || (sa < sb ? -1 : sa > sb ? 1 : 0);
}
