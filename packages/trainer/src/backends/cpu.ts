/** The pure-JS cpu backend of TensorFlow.js: slow, but the reference every other backend matches. */

import { BackendUnavailableError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';

/** Activates the cpu backend; returns its one-line detail. */
export async function setupCpuBackend(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new BackendUnavailableError('cpu', 'tf.setBackend("cpu") failed');
  return 'pure JavaScript (reference; slow for training)';
}
