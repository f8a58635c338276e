import { checkDatasetReference } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { toyDataset } from '../train/testing/toy-dataset.js';
import { classSubset, formatClassList, parseClassList } from './class-subset.js';
import type { DataSplit } from './dataset.js';
import { DATASET_OPTIONS, datasetLoadOptions } from './dataset-options.js';
import { datasetOptionsOf, datasetReference } from './dataset-reference.js';
import { loadDataset } from './registry.js';

const all = (split: DataSplit) => Int32Array.from({ length: split.size }, (_, i) => i);

describe('parseClassList', () => {
  it('reads indices and inclusive ranges, and formats them back', () => {
    expect(parseClassList('0-4')).toEqual([0, 1, 2, 3, 4]);
    expect(parseClassList('5, 7,9')).toEqual([5, 7, 9]);
    expect(parseClassList('8,0-2')).toEqual([8, 0, 1, 2]);
    expect(formatClassList([5, 6, 7, 8, 9])).toBe('5-9');
    expect(formatClassList([8, 0, 1, 2, 4, 5])).toBe('8,0-2,4,5');
  });

  it('refuses anything else', () => {
    expect(() => parseClassList('dog')).toThrow(/'classes' must be class indices or ranges/);
    expect(() => parseClassList('4-2')).toThrow(/runs backwards/);
  });
});

describe('classSubset', () => {
  // The toy set's splits cycle through labels 0, 1, 2 ('top', 'left', 'centre').
  const base = toyDataset(96, 48);

  it('keeps the chosen classes, relabelled 0..k-1 in the given order, with their names', async () => {
    const subset = classSubset(base, { classes: [2, 0] });
    expect(subset.info.classNames).toEqual(['centre', 'top']);
    expect(subset.info.splitSizes).toEqual({ train: 64, validation: 32, test: 32 });
    expect(subset.info.classCounts.train).toEqual([32, 32]);
    const train = subset.split('train');
    const baseTrain = base.split('train');
    const kept = Array.from(all(baseTrain)).filter((i) => baseTrain.labels[i] !== 1);
    expect(Array.from(train.labels)).toEqual(kept.map((i) => (baseTrain.labels[i] === 2 ? 0 : 1)));
    // Pixels are the base images at the kept indices.
    expect(await train.readPixels([0, 1, 5])).toEqual(
      await baseTrain.readPixels([kept[0]!, kept[1]!, kept[5]!]),
    );
    // Batches carry the new labels and the base normalisation.
    const first = await subset.split('test').batches({ batchSize: 4 })[Symbol.asyncIterator]().next();
    expect(Array.from(first.value!.y)).toEqual(Array.from(subset.split('test').labels.slice(0, 4)));
    expect(subset.info.normalization).toEqual(base.info.normalization);
    expect(subset.info.splitPolicy).toContain('classes 2,0 of toy (centre, top), relabelled 0-1');
  });

  it('caps training images per class with a seeded choice and leaves validation and test whole', () => {
    const a = classSubset(base, { perClass: 5, seed: 3 });
    expect(a.info.classNames).toEqual(base.info.classNames);
    expect(a.info.classCounts.train).toEqual([5, 5, 5]);
    expect(a.info.splitSizes).toEqual({ train: 15, validation: 48, test: 48 });
    const b = classSubset(base, { perClass: 5, seed: 3 });
    const c = classSubset(base, { perClass: 5, seed: 4 });
    const pixels = (d: typeof a) => d.split('train').readPixels(all(d.split('train')));
    return Promise.all([pixels(a), pixels(b), pixels(c)]).then(([pa, pb, pc]) => {
      expect(pb).toEqual(pa);
      expect(pc).not.toEqual(pa);
    });
  });

  it('combines both, and is the data set itself when asked for nothing', () => {
    const subset = classSubset(base, { classes: [1, 2], perClass: 4 });
    expect(subset.info.classCounts.train).toEqual([4, 4]);
    expect(subset.info.classCounts.test).toEqual([16, 16]);
    expect(classSubset(base, {})).toBe(base);
  });

  it('refuses unknown, repeated or too few classes and a bad cap', () => {
    expect(() => classSubset(base, { classes: [0, 3] })).toThrow(/class indices in \[0, 2\] of 'toy', got 3/);
    expect(() => classSubset(base, { classes: [1, 1] })).toThrow(/lists a class twice/);
    expect(() => classSubset(base, { classes: [1] })).toThrow(/at least 2 classes/);
    expect(() => classSubset(base, { perClass: 0 })).toThrow(/'perClass' must be a positive integer/);
  });
});

describe('class subsets in the data reference', () => {
  it('travels from the options to the manifest reference and back', () => {
    const values = {
      ...Object.fromEntries(Object.entries(DATASET_OPTIONS).map(([k, d]) => [k, d.default])),
      name: 'cifar10',
      validationSize: 0,
      classes: '5-9',
      perClass: 50,
    } as Parameters<typeof datasetLoadOptions>[0];
    const options = datasetLoadOptions(values, 0);
    expect(options).toMatchObject({ name: 'cifar10', classes: [5, 6, 7, 8, 9], perClass: 50 });
    const subset = classSubset(toyDataset(), { classes: [2, 1], perClass: 3 });
    const reference = datasetReference({ name: 'toy', classes: [2, 1], perClass: 3 }, subset.info);
    expect(reference).toMatchObject({ classes: [2, 1], perClass: 3, classNames: ['centre', 'left'] });
    expect(checkDatasetReference(JSON.parse(JSON.stringify(reference)), 'data')).toEqual(reference);
    expect(datasetOptionsOf(reference)).toMatchObject({ classes: [2, 1], perClass: 3 });
    expect(() => checkDatasetReference({ ...reference, perClass: 0 }, 'data')).toThrow(/data.perClass/);
  });

  it('loads the protocol of the transfer-learning section on the real CIFAR-10', {
    timeout: 60_000,
  }, async () => {
    const target = await loadDataset({
      name: 'cifar10',
      validationSize: 0,
      classes: [5, 6, 7, 8, 9],
      perClass: 50,
    });
    expect(target.info.classNames).toEqual(['dog', 'frog', 'horse', 'ship', 'truck']);
    expect(target.info.splitSizes).toEqual({ train: 250, validation: 0, test: 5000 });
    expect(target.info.classCounts.train).toEqual([50, 50, 50, 50, 50]);
    expect(target.info.classCounts.test).toEqual([1000, 1000, 1000, 1000, 1000]);
    const source = await loadDataset({ name: 'cifar10', validationSize: 0, classes: [0, 1, 2, 3, 4] });
    expect(source.info.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer']);
    expect(source.info.splitSizes).toEqual({ train: 25_000, validation: 0, test: 5000 });
    expect(source.info.normalization).toEqual(target.info.normalization);
  });
});
