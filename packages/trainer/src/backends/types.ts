/**
 * The vocabulary of backend selection: which backends can be asked for, what a selection reports
 * (what runs, with which settings, and why other candidates were skipped).
 */

/** Backends that can be asked for by name. */
export const BACKEND_NAMES = ['auto', 'wasm', 'webgpu', 'tensorflow', 'cpu'] as const;

/** A backend request: a concrete backend, or 'auto' for the fastest available. */
export type BackendRequest = (typeof BACKEND_NAMES)[number];

/** A backend that actually runs. */
export type BackendName = Exclude<BackendRequest, 'auto'>;

/** A candidate that was not chosen, and why. */
export interface SkippedBackend {
  /** Candidate, e.g. 'tensorflow (tfjs-node-gpu)'. */
  readonly name: string;
  /** One-line reason, suitable for a CLI and the training record. */
  readonly reason: string;
}

/** Options of `selectBackend`. */
export interface SelectBackendOptions {
  /**
   * Threads of the wasm backend (1 = single-threaded SIMD build).
   * @default the machine's available parallelism, at most 8
   */
  readonly threads?: number;
}

/** The outcome of `selectBackend`: the active TensorFlow.js backend and how it was chosen. */
export interface SelectedBackend {
  /** The backend now active. */
  readonly name: BackendName;
  /** What was asked for. */
  readonly requested: BackendRequest;
  /** `tf.getBackend()` after selection ('wasm', 'webgpu', 'tensorflow' or 'cpu'). */
  readonly tfBackend: string;
  /** One line describing it: build, threads, device, package. */
  readonly detail: string;
  /** Version of the backend package (tfjs-backend-wasm, tfjs-backend-webgpu, tfjs-node, tfjs-core). */
  readonly version: string;
  /** @tensorflow/tfjs-core version. */
  readonly tfjsVersion: string;
  /** Threads the backend computes with, where known. */
  readonly threads?: number;
  /** Candidates tried before this one (auto) and why they were passed over. */
  readonly skipped: readonly SkippedBackend[];
}
