/**
 * The training record: one entry per finished epoch plus how the run ended. Saved in every
 * checkpoint (so a resumed run continues the same record) and returned by `train`.
 */

/** Measurements of one epoch. valLoss/valAccuracy are null without a validation split. */
export interface EpochRecord {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (with smoothing/mixup/weights as configured). */
  readonly loss: number;
  /** Training top-1 accuracy against the original labels. */
  readonly accuracy: number;
  readonly valLoss: number | null;
  readonly valAccuracy: number | null;
  /** Learning rate of the epoch's last step. */
  readonly lr: number;
  /** Wall-clock seconds for the epoch (training plus validation). */
  readonly seconds: number;
  /** Training images per second (training steps only). */
  readonly samplesPerSecond: number;
}

/** The outcome of a training run. */
export interface TrainingRecord {
  /** Every finished epoch, including those before a resume. */
  readonly epochs: readonly EpochRecord[];
  /** 1-based epoch with the best monitored metric (early stopping's, else validation loss, else training loss). */
  readonly bestEpoch: number | null;
  /** True when early stopping ended the run before `config.epochs`. */
  readonly stoppedEarly: boolean;
  /** True when the best epoch's weights were restored at the end. */
  readonly restoredBest: boolean;
  /** The epoch count the run resumed from (completed epochs), or null for a fresh run. */
  readonly resumedFromEpoch: number | null;
  /** sha256 of the canonical JSON of the resolved config. */
  readonly configHash: string;
}
