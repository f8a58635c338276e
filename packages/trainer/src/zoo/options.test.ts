import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import type { ZooModelOptions } from './options.js';

const base: ZooModelOptions = { inputShape: [28, 28, 1], numClasses: 10 };

function errorOf(name: string, options: unknown): ConfigError {
  try {
    buildModel(name, options as ZooModelOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('buildModel options', () => {
  it('rejects an unknown model name and lists the names', () => {
    expect(errorOf('resnet18', base).message).toBe(
      "unknown model 'resnet18': expected 'lenet5', 'cnn-tiny', 'cnn-small', 'article-cnn', 'reference-cnn', 'resnet8', 'resnet20' or 'mobilenetv2-tiny'",
    );
  });

  it('rejects options a model does not support', () => {
    expect(errorOf('lenet5', { ...base, se: true }).message).toBe(
      "model 'lenet5' does not support option 'se' (it supports: none)",
    );
    expect(errorOf('resnet8', { ...base, widthMultiplier: 0.5 }).message).toBe(
      "model 'resnet8' does not support option 'widthMultiplier' (it supports: 'se' or 'seRatio')",
    );
    expect(errorOf('resnet20', { ...base, dropout: 0.1 }).message).toMatch(
      /does not support option 'dropout'/,
    );
    expect(errorOf('resnet8', { ...base, seRatio: 8 }).message).toBe(
      "'seRatio' applies only with se: true (model 'resnet8')",
    );
    expect(errorOf('cnn-tiny', { ...base, widthMultipler: 2 }).message).toMatch(
      /^unknown option 'widthMultipler'/,
    );
    // se: false is accepted everywhere.
    expect(buildModel('lenet5', { ...base, se: false }).outputs[0]?.shape).toEqual([null, 10]);
  });

  it('rejects bad numbers with the allowed range', () => {
    expect(errorOf('cnn-tiny', { ...base, numClasses: 1 }).message).toBe(
      "'numClasses' must be an integer in [2, 100000], got 1",
    );
    expect(errorOf('cnn-tiny', { ...base, numClasses: 2.5 }).message).toMatch(
      /'numClasses' must be an integer/,
    );
    expect(errorOf('lenet5', { ...base, inputShape: [11, 28, 1] }).message).toBe(
      "'inputShape height' must be an integer in [12, 4096] for model 'lenet5', got 11",
    );
    expect(errorOf('resnet8', { ...base, inputShape: [28, 28, 0] }).message).toMatch(/'inputShape channels'/);
    expect(errorOf('resnet8', { ...base, inputShape: [28, 28] }).message).toMatch(
      /'inputShape' must be \[height, width, channels\]/,
    );
    expect(errorOf('resnet8', { ...base, seed: -1 }).message).toBe(
      "'seed' must be an integer in [0, 4294967295], got -1",
    );
    expect(errorOf('resnet8', { ...base, se: true, seRatio: 0 }).message).toBe(
      "'seRatio' must be an integer in [1, 256], got 0",
    );
    expect(errorOf('mobilenetv2-tiny', { ...base, widthMultiplier: 0 }).message).toBe(
      "'widthMultiplier' must be in [0.1, 4], got 0",
    );
    expect(errorOf('cnn-small', { ...base, dropout: 1 }).message).toBe("'dropout' must be in [0, 1), got 1");
    expect(errorOf('cnn-small', { ...base, dropout: Number.NaN }).message).toBe(
      "'dropout' must be in [0, 1), got NaN",
    );
  });
});
