// train() fails early and says why: an empty split before the first step, a diverging run at the
// first non-finite loss (not after an epoch of NaN).
import { DataFormatError, EdgemlError, type ProgressEvent } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';
import { TrainingDivergedError } from './train-step.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The toy data set with its test split reported empty. */
function withoutTest(data: Dataset): Dataset {
  const info = { ...data.info, splitSizes: { ...data.info.splitSizes, test: 0 } };
  return { info, split: (name) => data.split(name) };
}

describe('train refuses what would fail later', () => {
  it('an empty test split, before any step', async () => {
    const events: ProgressEvent[] = [];
    const error = await train(
      toyModel(),
      withoutTest(toyDataset()),
      { epochs: 1, batchSize: 16 },
      {
        onProgress: (e) => events.push(e),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toBe(
      "toy: data set 'toy' cannot be trained on: the test split is empty: a trained model could not be evaluated. Split policy: generated",
    );
    expect(events).toEqual([]);
  });

  it('stops at the first non-finite loss, saying the loss diverged and to lower the learning rate', async () => {
    const events: ProgressEvent[] = [];
    const error = await train(
      toyModel(),
      toyDataset(),
      { epochs: 3, batchSize: 16, optimizer: { name: 'sgd', lr: 1e30 } },
      { onProgress: (e) => events.push(e) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(error).toBeInstanceOf(EdgemlError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^training diverged: the loss became (NaN|-?Infinity) at epoch 1, step \d+ \(learning rate 1\.00e\+30\)\. A lower learning rate may help: 'optimizer\.lr' \(--lr\) is 1e\+30$/,
    );
    // No epoch finished: the run stopped within the first one.
    expect(events.some((e) => e.phase === 'epoch')).toBe(false);
    const step = (error as TrainingDivergedError).details['step'] as number;
    expect(events.filter((e) => e.phase === 'batch')).toHaveLength(step - 1);
  });
});
