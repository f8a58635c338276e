/**
 * Progress events: long work (epochs, batches, passes, bench cases) reports through a callback so
 * that the CLI can draw bars with an ETA and a library caller can log or ignore them.
 */

/** One step of a long task: `current` of `total` units done in the named phase. */
export interface ProgressEvent {
  /** What is progressing: 'epoch', 'batch', 'load', 'pass', 'case', ... */
  readonly phase: string;
  /** Units done so far (0..total). */
  readonly current: number;
  /** Units in this phase; 0 when unknown. */
  readonly total: number;
  /** Short human-readable detail: 'loss 0.412 acc 0.871'. */
  readonly message?: string;
  /** Numbers worth showing or logging (loss, accuracy, samples/s, ...). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** Receives progress events; must be cheap and must not throw. */
export type ProgressCallback = (event: ProgressEvent) => void;

/** A callback that drops every event. */
export const silentProgress: ProgressCallback = () => {};
