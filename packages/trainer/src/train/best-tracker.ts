/**
 * Tracks the best epoch of a monitored metric and, when early stopping is on, how many epochs
 * have passed without an improvement larger than minDelta. Its state is saved in checkpoints.
 */
import type { EarlyStoppingConfig } from './config.js';

/** The metric watched: validation loss/accuracy, or training loss without a validation split. */
export type MonitoredMetric = 'valLoss' | 'valAccuracy' | 'loss';

/** The saved state of a BestTracker. */
export interface BestState {
  /** Best value so far, null before the first epoch. */
  readonly best: number | null;
  /** 1-based epoch of the best value. */
  readonly bestEpoch: number | null;
  /** Epochs since the best one. */
  readonly wait: number;
}

/** Best-epoch bookkeeping and the early-stopping decision. */
export class BestTracker {
  private best: number | null = null;
  private bestEpoch: number | null = null;
  private wait = 0;

  /**
   * @param monitor the metric watched
   * @param earlyStopping stopping rules, or null to only track the best epoch
   */
  constructor(
    readonly monitor: MonitoredMetric,
    private readonly earlyStopping: EarlyStoppingConfig | null,
  ) {}

  /** Records an epoch's metric; returns whether it is the new best. */
  update(epoch: number, value: number): boolean {
    const minDelta = this.earlyStopping?.minDelta ?? 0;
    const higherIsBetter = this.monitor === 'valAccuracy';
    const improved =
      Number.isFinite(value) &&
      (this.best === null || (higherIsBetter ? value > this.best + minDelta : value < this.best - minDelta));
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
    } else {
      this.wait += 1;
    }
    return improved;
  }

  /** True when early stopping is on and `patience` epochs in a row did not improve (as Keras). */
  shouldStop(): boolean {
    return this.earlyStopping !== null && this.wait > 0 && this.wait >= this.earlyStopping.patience;
  }

  /** 1-based epoch of the best value so far. */
  getBestEpoch(): number | null {
    return this.bestEpoch;
  }

  /** The state to save in a checkpoint. */
  getState(): BestState {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  /** Restores a state saved with getState(). */
  setState(state: BestState): void {
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
  }
}
