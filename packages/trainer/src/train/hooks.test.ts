import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StepInfo } from './hooks.js';
import { flatWeights, toyDataset, toyModel } from './testing/toy-dataset.js';
import { train } from './train.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('train hooks', { timeout: 60_000 }, () => {
  it('a lossFn returning the configured loss trains exactly like no lossFn', async () => {
    const data = toyDataset(48, 16);
    const config = { epochs: 1, batchSize: 16, seed: 3, labelSmoothing: 0.1 };
    const a = toyModel();
    const b = toyModel();
    await train(a, data, config);
    const seen: Int32Array[] = [];
    await train(b, data, config, {
      lossFn: (ctx) => {
        expect(ctx.logits.shape).toEqual([16, 3]);
        expect(ctx.x.shape).toEqual([16, 8, 8, 1]);
        expect(ctx.transformed).toBe(false);
        seen.push(ctx.indices.slice());
        return ctx.configuredLoss(ctx.logits);
      },
    });
    expect(flatWeights(b)).toEqual(flatWeights(a));
    expect(seen).toHaveLength(3);
    expect(new Set(seen.flatMap((s) => [...s])).size).toBe(48);
  });

  it('a custom loss changes training; afterStep runs after every step and can edit weights', async () => {
    const data = toyDataset(48, 16);
    const model = toyModel();
    const infos: StepInfo[] = [];
    const kernel = model.layers.find((l) => l.getClassName() === 'Conv2D')!.getWeights()[0]!;
    const zero = () => {
      const w = model.layers.find((l) => l.getClassName() === 'Conv2D')!.weights[0]!;
      const v = w.read() as tf.Variable;
      tf.tidy(() => v.assign(tf.zerosLike(v)));
    };
    await train(
      model,
      data,
      { epochs: 2, batchSize: 16, seed: 1, augment: { randomCropPadding: 1 } },
      {
        lossFn: (ctx) => {
          expect(ctx.transformed).toBe(true);
          return ctx.logits.square().mean() as tf.Scalar;
        },
        afterStep: (info) => {
          infos.push(info);
          zero();
        },
      },
    );
    expect(infos.map((i) => i.globalStep)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(infos[3]).toEqual({ epoch: 1, step: 0, stepsPerEpoch: 3, globalStep: 4 });
    const after = model.layers.find((l) => l.getClassName() === 'Conv2D')!.getWeights()[0]!;
    expect(Math.max(...(await after.abs().data()))).toBe(0);
    expect(kernel.shape).toEqual(after.shape);
  });
});
