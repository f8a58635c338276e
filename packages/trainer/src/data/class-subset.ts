/**
 * A view of a data set restricted to some of its classes and/or capped to N training images per
 * class, as transfer-learning protocols need (pretrain on CIFAR-10 classes 0-4, fine-tune on 50
 * images per class of classes 5-9). Labels are remapped to 0..k-1 in the order the classes are
 * given and keep their names; the validation and test splits keep every image of the kept classes
 * (only training images are capped). The normalisation stays the base data set's (computed over
 * its whole training split), so that a model pretrained on one subset and fine-tuned on another
 * sees the same preprocessing. Pixels are read through the base split: nothing is copied.
 */
import { ConfigError, seededPermutation } from '@edgeml/core';
import { streamBatches } from './batching.js';
import {
  type Batch,
  type BatchOptions,
  type DataSplit,
  type Dataset,
  type InputShape,
  type Normalization,
  SPLIT_NAMES,
  type SplitName,
} from './dataset.js';
import { pickSplit } from './in-memory-dataset.js';

/** Which classes to keep and how many training images per class. */
export interface ClassSubsetOptions {
  /** Class indices of the base data set, in the order of the new labels; absent = all classes. */
  readonly classes?: readonly number[] | undefined;
  /** Keep at most this many training images per class (a seeded choice); absent = all. */
  readonly perClass?: number | undefined;
  /** Seed of the per-class choice. @default 0 */
  readonly seed?: number | undefined;
}

/**
 * Parses a class list as the --classes flag takes it: indices and inclusive ranges separated by
 * commas, e.g. `0-4`, `5,7,9` or `0-2,8`. Throws ConfigError for anything else or a repeat.
 */
export function parseClassList(text: string, key = 'classes'): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (match === null) {
      throw new ConfigError(
        `'${key}' must be class indices or ranges separated by commas (e.g. '0-4' or '5,7,9'), got '${text}'`,
        { key, got: text },
      );
    }
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new ConfigError(`'${key}': range '${part}' runs backwards`, { key, got: text });
    for (let c = from; c <= to; c++) out.push(c);
  }
  return out;
}

/** Formats a class list back the way parseClassList reads it (`[5, 6, 7, 8, 9]` → `5-9`). */
export function formatClassList(classes: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < classes.length; ) {
    let j = i;
    while (j + 1 < classes.length && classes[j + 1] === classes[j]! + 1) j++;
    parts.push(j > i + 1 ? `${classes[i]}-${classes[j]}` : classes.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

class SubsetSplit implements DataSplit {
  readonly name: SplitName;
  readonly size: number;
  readonly labels: Int32Array;

  constructor(
    private readonly base: DataSplit,
    /** Indices into the base split, ascending. */
    private readonly keep: Int32Array,
    remap: ReadonlyMap<number, number>,
    private readonly shape: InputShape,
    private readonly normalization: Normalization,
  ) {
    this.name = base.name;
    this.size = keep.length;
    this.labels = keep.map((i) => remap.get(base.labels[i]!)!);
  }

  readPixels(indices: ArrayLike<number>): Promise<Uint8Array> {
    return this.base.readPixels(Array.from(indices, (i) => this.keep[i]!));
  }

  batches(options: BatchOptions): AsyncIterable<Batch> {
    return streamBatches(this, this.shape, this.normalization, options);
  }
}

/** The base indices of `split` whose label is kept, at most `perClass` per class when given. */
function keptIndices(
  split: DataSplit,
  remap: ReadonlyMap<number, number>,
  perClass: number | undefined,
  seed: number,
): Int32Array {
  const { labels } = split;
  if (perClass === undefined) return Int32Array.from(labels.keys()).filter((i) => remap.has(labels[i]!));
  const taken = new Map<number, number>();
  const chosen: number[] = [];
  for (const i of seededPermutation(labels.length, seed)) {
    const label = labels[i]!;
    if (!remap.has(label)) continue;
    const n = taken.get(label) ?? 0;
    if (n >= perClass) continue;
    taken.set(label, n + 1);
    chosen.push(i);
  }
  return Int32Array.from(chosen).sort();
}

/**
 * The data set restricted to `classes` (relabelled 0..k-1, names kept) with at most `perClass`
 * training images per class (the first of a seeded permutation, kept in split order). Returns
 * `dataset` itself when there is nothing to restrict. ConfigError for an unknown or repeated class,
 * fewer than two classes, or a perClass below 1.
 */
export function classSubset(dataset: Dataset, options: ClassSubsetOptions): Dataset {
  const { info } = dataset;
  const k = info.classNames.length;
  const classes = options.classes ?? Array.from({ length: k }, (_, i) => i);
  const perClass = options.perClass;
  if (options.classes === undefined && perClass === undefined) return dataset;
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new ConfigError(`'classes' must be class indices in [0, ${k - 1}] of '${info.name}', got ${c}`, {
        key: 'classes',
        got: c,
        classes: info.classNames,
      });
    }
  }
  if (new Set(classes).size !== classes.length)
    throw new ConfigError(`'classes' lists a class twice: ${classes.join(', ')}`, { key: 'classes' });
  if (classes.length < 2)
    throw new ConfigError(`'classes' must keep at least 2 classes, got ${classes.length}`, {
      key: 'classes',
    });
  if (perClass !== undefined && (!Number.isInteger(perClass) || perClass < 1))
    throw new ConfigError(`'perClass' must be a positive integer, got ${perClass}`, { key: 'perClass' });

  const remap = new Map(classes.map((c, i) => [c, i]));
  const seed = options.seed ?? 0;
  const build = (name: SplitName) => {
    const base = dataset.split(name);
    const keep = keptIndices(base, remap, name === 'train' ? perClass : undefined, seed);
    return new SubsetSplit(base, keep, remap, info.inputShape, info.normalization);
  };
  const splits = { train: build('train'), validation: build('validation'), test: build('test') };
  const counts = (name: SplitName) => {
    const out = new Array<number>(classes.length).fill(0);
    for (const label of splits[name].labels) out[label]!++;
    return out;
  };
  const kept = classes.map((c) => info.classNames[c]!);
  const policy = [
    options.classes === undefined
      ? ''
      : `classes ${formatClassList(classes)} of ${info.name} (${kept.join(', ')}), relabelled 0-${classes.length - 1}`,
    perClass === undefined
      ? ''
      : `at most ${perClass} training images per class (seeded choice, seed ${seed})`,
  ].filter((s) => s !== '');
  return {
    info: {
      ...info,
      classNames: kept,
      splitSizes: { train: splits.train.size, validation: splits.validation.size, test: splits.test.size },
      classCounts: Object.fromEntries(SPLIT_NAMES.map((s) => [s, counts(s)])) as Record<SplitName, number[]>,
      splitPolicy: `${info.splitPolicy} Subset: ${policy.join('; ')}; normalisation of the whole training split.`,
    },
    split: (name: SplitName) => pickSplit(splits, name),
  };
}
