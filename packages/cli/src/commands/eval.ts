/**
 * `edgeml eval`: accuracy, per-class accuracy and the confusion matrix of a model package on a
 * data set split. Batches are normalised with the model's own mean/std (from its manifest).
 */
import { EdgemlError } from '@edgeml/core';
import {
  BACKEND_NAMES,
  type BackendRequest,
  evaluate,
  loadTrainedPackage,
  numClassesOf,
  type SplitName,
  selectBackend,
} from '@edgeml/trainer';
import type { Command } from '../command.js';
import { loadDatasetForModel } from '../dataset-from-options.js';
import { choiceOption, MODEL_DATASET_OPTIONS, optionalInt, stringOption } from '../options.js';
import { formatTable } from '../output.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'accuracy, per-class accuracy and confusion matrix of a model package',
  examples: [
    'pnpm edgeml eval --model runs/teacher --dataset fashion-mnist --split test',
    'pnpm edgeml eval --model runs/teacher --json',
  ],
  options: {
    ...MODEL_DATASET_OPTIONS,
    model: { type: 'string', placeholder: 'DIR', description: 'model package directory' },
    split: {
      type: 'string',
      placeholder: 'SPLIT',
      description: "'train', 'validation' or 'test'",
      default: 'test',
    },
    limit: { type: 'string', placeholder: 'N', description: 'evaluate only the first N images' },
    batch: { type: 'string', placeholder: 'N', description: 'images per forward pass', default: '256' },
    backend: {
      type: 'string',
      placeholder: 'NAME',
      description: `TF.js backend: ${BACKEND_NAMES.join(', ')}`,
      default: 'auto',
    },
  },
  async run(values, out) {
    const dir = stringOption(values, 'model');
    const splitName = choiceOption<SplitName>(values, 'split', ['train', 'validation', 'test'], 'test');
    const limit = optionalInt(values, 'limit', { min: 1 });
    const batchSize = optionalInt(values, 'batch', { min: 1 }) ?? 256;
    const backend = await selectBackend(
      choiceOption<BackendRequest>(values, 'backend', BACKEND_NAMES, 'auto'),
    );
    out.note(`backend: ${backend.name} (${backend.detail})`);
    const { manifest, model } = await loadTrainedPackage(dir);
    const data = await loadDatasetForModel(values, manifest);
    const { info } = data.dataset;
    if (numClassesOf(model) !== manifest.labels.length) {
      throw new EdgemlError(
        'MODEL_INVALID',
        `model ${dir} outputs ${numClassesOf(model)} scores but its manifest has ${manifest.labels.length} labels`,
        { model: dir },
      );
    }
    const split = data.split(splitName);
    const result = await evaluate(model, split, { batchSize, ...(limit === undefined ? {} : { limit }) });
    if (out.json) {
      out.printJson({ model: dir, dataset: info.name, split: splitName, backend: backend.name, ...result });
      return 0;
    }
    out.print(
      `${manifest.name} on ${info.name} ${splitName} (${result.count} images, backend ${backend.name})`,
    );
    out.print(`accuracy ${(result.accuracy * 100).toFixed(2)}%  loss ${result.loss.toFixed(4)}`);
    out.print();
    out.print(
      formatTable(
        ['label', 'class', 'accuracy'],
        info.classNames.map((name, i) => {
          const a = result.perClassAccuracy[i];
          return [String(i), name, a === null || a === undefined ? '-' : `${(a * 100).toFixed(1)}%`];
        }),
      ),
    );
    out.print();
    out.print('confusion matrix (rows: true class, columns: predicted)');
    out.print(
      formatTable(
        ['', ...info.classNames.map((_, i) => String(i))],
        result.confusionMatrix.map((row, i) => [String(i), ...row]),
      ),
    );
    return 0;
  },
};
