/**
 * Learning-rate schedules. `constant`, `cosine` (annealing to minLr over the steps after the
 * warm-up) and `step` (times gamma every stepSize epochs) are pure functions of the step;
 * `plateau` (ReduceLROnPlateau) depends on the monitored loss, so its state is saved in
 * checkpoints. A linear warm-up over `warmupEpochs` (counted in steps) precedes every schedule.
 */
import type { ScheduleConfig } from './config.js';

/** The saved state of a schedule (only plateau has any). */
export interface ScheduleState {
  /** Current multiplier on the base lr from plateau reductions. */
  readonly plateauScale: number;
  /** Best monitored loss so far (Infinity before the first epoch; stored as null in JSON). */
  readonly best: number | null;
  /** Epochs since the last improvement. */
  readonly badEpochs: number;
}

/** Computes the learning rate for each step and tracks ReduceLROnPlateau. */
export class LearningRateSchedule {
  private plateauScale = 1;
  private best = Number.POSITIVE_INFINITY;
  private badEpochs = 0;

  /**
   * @param config schedule settings
   * @param baseLr the optimizer's base learning rate
   * @param epochs total epochs
   * @param stepsPerEpoch optimizer steps per epoch
   */
  constructor(
    private readonly config: ScheduleConfig,
    private readonly baseLr: number,
    private readonly epochs: number,
    private readonly stepsPerEpoch: number,
  ) {}

  /** The learning rate of step `step` (0-based) of epoch `epoch` (0-based). */
  lrAt(epoch: number, step: number): number {
    const { name, warmupEpochs, minLr, stepSize, gamma } = this.config;
    const global = epoch * this.stepsPerEpoch + step;
    const warmupSteps = Math.round(warmupEpochs * this.stepsPerEpoch);
    if (global < warmupSteps) return (this.baseLr * (global + 1)) / warmupSteps;
    switch (name) {
      case 'constant':
        return this.baseLr;
      case 'cosine': {
        const total = this.epochs * this.stepsPerEpoch - warmupSteps;
        const progress = total <= 1 ? 1 : (global - warmupSteps) / (total - 1);
        return minLr + (this.baseLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
      }
      case 'step':
        return this.baseLr * gamma ** Math.floor(epoch / stepSize);
      case 'plateau':
        return Math.max(minLr, this.baseLr * this.plateauScale);
    }
  }

  /** Feeds the monitored loss at the end of an epoch (drives plateau reductions). */
  endEpoch(monitoredLoss: number): void {
    if (this.config.name !== 'plateau' || !Number.isFinite(monitoredLoss)) return;
    // Relative threshold, as PyTorch's default threshold_mode 'rel'.
    if (monitoredLoss < this.best * (1 - this.config.threshold)) {
      this.best = monitoredLoss;
      this.badEpochs = 0;
      return;
    }
    this.badEpochs += 1;
    if (this.badEpochs > this.config.patience) {
      this.plateauScale *= this.config.factor;
      this.badEpochs = 0;
    }
  }

  /** The state to save in a checkpoint. */
  getState(): ScheduleState {
    return {
      plateauScale: this.plateauScale,
      best: Number.isFinite(this.best) ? this.best : null,
      badEpochs: this.badEpochs,
    };
  }

  /** Restores a state saved with getState(). */
  setState(state: ScheduleState): void {
    this.plateauScale = state.plateauScale;
    this.best = state.best ?? Number.POSITIVE_INFINITY;
    this.badEpochs = state.badEpochs;
  }
}
