/**
 * `edgeml data info`: per-split and per-class counts, input shape, mean/std of a data set. A data
 * set that cannot be trained on (an empty train or test split) is reported after the counts, and
 * the command exits 1, as `edgeml train` would refuse it.
 */
import { DataFormatError } from '@edgeml/core';
import { type DatasetInfo, SPLIT_NAMES } from '@edgeml/trainer';
import type { Command } from '../command.js';
import { loadDatasetFromOptions } from '../dataset-from-options.js';
import { DATASET_OPTIONS } from '../options.js';
import { formatTable } from '../output.js';

/** What `edgeml train` would refuse in this data set (the trainer's own check says the same before training). */
function problemsOf(info: DatasetInfo): string[] {
  return [
    ...(info.splitSizes.train === 0 ? ['the train split is empty: there is nothing to train on'] : []),
    ...(info.splitSizes.test === 0
      ? ['the test split is empty: a trained model could not be evaluated']
      : []),
  ];
}

export const dataInfo: Command = {
  name: 'data info',
  summary: 'per-split and per-class counts, input shape and normalisation of a data set',
  examples: [
    'pnpm edgeml data info --dataset fashion-mnist',
    'pnpm edgeml data info --dataset cifar10 --data-dir ~/data/cifar-10-batches-bin --json',
  ],
  options: DATASET_OPTIONS,
  async run(values, out) {
    const dataset = await loadDatasetFromOptions(values);
    const { info } = dataset;
    const trainingPool = info.splitSizes.train + info.splitSizes.validation;
    const problems = problemsOf(info);
    const unusable = () =>
      new DataFormatError(
        info.source ?? info.name,
        `data set '${info.name}' cannot be trained on: ${problems.join('; ')}`,
        {
          problems,
        },
      );
    if (out.json) {
      // One JSON document: the counts, and for an unusable data set also the error object every
      // failing command prints under --json.
      if (problems.length === 0) {
        out.printJson({ ...info, trainingPool, problems });
        return 0;
      }
      const error = unusable();
      out.printJson({
        ...info,
        trainingPool,
        problems,
        error: { code: error.code, message: error.message, details: error.details },
      });
      out.note(`edgeml data info: ${error.message}`);
      return 1;
    }
    const fmt = (xs: readonly number[]) => `[${xs.map((x) => x.toFixed(4)).join(', ')}]`;
    out.print(`data set      ${info.name}`);
    out.print(`input shape   ${info.inputShape.join(' x ')} (height x width x channels)`);
    out.print(
      `mean / std    ${fmt(info.normalization.mean)} / ${fmt(info.normalization.std)} (of pixel/255, train split)`,
    );
    out.print(
      `splits        train ${info.splitSizes.train} + validation ${info.splitSizes.validation} = training pool ${trainingPool}; test ${info.splitSizes.test}`,
    );
    out.print(`split policy  ${info.splitPolicy}`);
    if (info.dropped.count > 0)
      out.print(`dropped       ${info.dropped.count} invalid entries: ${info.dropped.reasons.join('; ')}`);
    out.print();
    const rows = info.classNames.map((name, label) => [
      label,
      name,
      ...SPLIT_NAMES.map((split) => info.classCounts[split][label] ?? 0),
    ]);
    rows.push(['', 'total', ...SPLIT_NAMES.map((split) => info.splitSizes[split])]);
    out.print(formatTable(['label', 'class', ...SPLIT_NAMES], rows));
    if (problems.length > 0) throw unusable();
    return 0;
  },
};
