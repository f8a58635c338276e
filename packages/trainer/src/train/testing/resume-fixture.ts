/**
 * The run that the resume tests interrupt and continue: every stateful feature on (BatchNorm,
 * dropout, AdamW slots, a warm-up + cosine schedule, augmentation and mixup draws, early stopping
 * with best weights), so that any state missing from a checkpoint shows up as a weight difference.
 * Run as a script (`tsx resume-fixture.ts <dir>`), it trains into <dir>, prints READY during the
 * second epoch and then blocks, waiting to be killed.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfigInput } from '../config.js';
import { train } from '../train.js';
import { type ToyModelOptions, toyDataset, toyModel } from './toy-dataset.js';

/** The training config of the resume tests. */
export const RESUME_CONFIG: TrainConfigInput = {
  epochs: 3,
  batchSize: 16,
  seed: 9,
  optimizer: { name: 'adamw', lr: 0.01 },
  schedule: { name: 'cosine', warmupEpochs: 1 },
  labelSmoothing: 0.05,
  mixupAlpha: 0.3,
  classWeights: 'balanced',
  augment: { randomCropPadding: 1, horizontalFlip: true },
  earlyStopping: { patience: 5, restoreBest: true },
};

/** The model of the resume tests. */
export const RESUME_MODEL: ToyModelOptions = { seed: 4, batchNorm: true, dropout: 0.25 };

const dir = process.argv[2];
if (dir !== undefined && process.argv[1]?.endsWith('resume-fixture.ts')) {
  await tf.setBackend('cpu');
  await train(toyModel(RESUME_MODEL), toyDataset(), RESUME_CONFIG, {
    checkpointDir: dir,
    onProgress: (event) => {
      if (event.phase === 'batch' && event.metrics?.['epoch'] === 2 && event.current === 2) {
        process.stdout.write('READY\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      }
    },
  });
}
