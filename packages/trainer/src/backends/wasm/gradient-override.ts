/**
 * Gradients edgeml installs for the wasm backend. tfjs registers gradients globally, per kernel
 * name and not per backend, so each is installed over tfjs-core's own, which stays in use: the
 * fast path runs when the backend is wasm and it applies (it returns the gradients), tfjs-core's
 * gradient everywhere else (it returns undefined).
 */

import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

/** A wasm fast path: the gradients of the kernel's inputs, or undefined where it does not apply. */
export type FastGradient = (
  dy: Tensor,
  saved: Tensor[],
  attrs: NamedAttrMap,
) => Record<string, () => Tensor> | undefined;

const installed = new Map<string, GradConfig>();
const originals = new Map<string, GradConfig>();

/** Installs `fast` as kernelName's gradient on wasm (once; idempotent), over tfjs-core's own. */
export function installWasmGradient(kernelName: string, inputsToSave: string[], fast: FastGradient): void {
  const current = tf.getGradient(kernelName);
  if (current !== undefined && current === installed.get(kernelName)) return;
  if (current !== undefined) originals.set(kernelName, current);
  const fallback = current;
  const config: GradConfig = {
    kernelName,
    inputsToSave,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const grads = tf.getBackend() === 'wasm' ? fast(dy as Tensor, saved, attrs) : undefined;
      if (grads !== undefined) return grads;
      if (fallback === undefined) throw new Error(`no ${kernelName} gradient to fall back to`);
      return fallback.gradFunc(dy, saved, attrs);
    },
  };
  installed.set(kernelName, config);
  tf.registerGradient(config);
}

/** tfjs-core's own gradient of kernelName as it was before edgeml installed one (for benchmarks). */
export function originalWasmGradient(kernelName: string): GradConfig | undefined {
  return originals.get(kernelName);
}
