/**
 * `edgeml train`: trains a zoo model (or fine-tunes a saved one) on a data set and writes a model
 * package: the TF.js model, labels, summary.json (params, MACs, backend, speed, accuracies) and a
 * manifest with the metrics and the lineage. Checkpoints go to <out>/checkpoints; --resume
 * continues a killed run (and is refused when there is no checkpoint to continue from).
 */

import { basename, join, resolve } from 'node:path';
import { ConfigError } from '@edgeml/core';
import { checkOutputDirectory, readJsonConfig } from '@edgeml/core/node';
import {
  BACKEND_NAMES,
  type BackendRequest,
  buildModel,
  datasetReference,
  describeModel,
  listCheckpoints,
  loadDataset,
  loadTrainedPackage,
  modelDatasetOptions,
  modelForLabels,
  OPTIMIZER_NAMES,
  SCHEDULE_NAMES,
  selectBackend,
  type TrainConfigInput,
  trainPackage,
  validateTrainConfig,
  ZOO_MODEL_NAMES,
} from '@edgeml/trainer';
import type { Command, OptionValues } from '../command.js';
import { datasetOptionsFrom, datasetOverride } from '../dataset-from-options.js';
import {
  choiceOption,
  DATASET_OPTIONS,
  intOption,
  numberOption,
  optionalInt,
  optionalString,
  stringOption,
} from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay, formatDuration } from '../progress.js';
import { TOOL_VERSION } from '../version.js';

/** The training config the flags describe, on top of --config FILE when given. */
async function configFromOptions(values: OptionValues): Promise<TrainConfigInput> {
  const file = optionalString(values, 'config');
  let base: Record<string, unknown> = {};
  if (file) {
    // A UTF-8 BOM is accepted; a number too large for a double is named by its path.
    const json = await readJsonConfig(file);
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ConfigError(`${file}: '$' must be a JSON object (the training config)`, { option: 'config' });
    base = json as Record<string, unknown>;
  }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) base[key] = value;
  };
  const nested = (key: string, entries: Record<string, unknown>) => {
    const defined = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
    if (Object.keys(defined).length > 0)
      base[key] = { ...((base[key] as object | undefined) ?? {}), ...defined };
  };
  set('epochs', optionalInt(values, 'epochs', { min: 1 }));
  set('batchSize', optionalInt(values, 'batch', { min: 1 }));
  set('seed', optionalInt(values, 'seed', { min: 0 }));
  set('limit', optionalInt(values, 'limit', { min: 1 }));
  set(
    'labelSmoothing',
    values['label-smoothing'] === undefined
      ? undefined
      : numberOption(values, 'label-smoothing', { min: 0, max: 0.999 }),
  );
  set('mixupAlpha', values.mixup === undefined ? undefined : numberOption(values, 'mixup', { min: 0 }));
  set('oversample', values.oversample ? true : undefined);
  set(
    'classWeights',
    values['class-weights'] === undefined
      ? undefined
      : choiceOption(values, 'class-weights', ['none', 'balanced']),
  );
  nested('optimizer', {
    name: values.optimizer === undefined ? undefined : choiceOption(values, 'optimizer', OPTIMIZER_NAMES),
    lr: values.lr === undefined ? undefined : numberOption(values, 'lr', { min: 0 }),
    weightDecay:
      values['weight-decay'] === undefined ? undefined : numberOption(values, 'weight-decay', { min: 0 }),
  });
  nested('schedule', {
    name: values.schedule === undefined ? undefined : choiceOption(values, 'schedule', SCHEDULE_NAMES),
    warmupEpochs: optionalInt(values, 'warmup', { min: 0 }),
  });
  nested('augment', {
    randomCropPadding: optionalInt(values, 'crop-padding', { min: 0, max: 64 }),
    horizontalFlip: values.flip ? true : undefined,
    colorJitter: colorJitterOption(values),
    cutout: optionalInt(values, 'cutout', { min: 0, max: 4096 }),
  });
  if (values.loss !== undefined)
    nested('loss', { name: choiceOption(values, 'loss', ['crossentropy', 'focal']) });
  const patience = optionalInt(values, 'early-stopping', { min: 1 });
  if (patience !== undefined)
    base.earlyStopping = { ...((base.earlyStopping as object | undefined) ?? {}), patience };
  const freeze = optionalString(values, 'freeze');
  if (freeze !== undefined)
    base.freeze =
      freeze === 'backbone' || freeze === 'none' ? freeze : intOption(values, 'freeze', { min: 1 });
  set('unfreezeAtEpoch', optionalInt(values, 'unfreeze-at', { min: 1 }));
  return base as TrainConfigInput;
}

/**
 * Refuses flag combinations that would otherwise be silently ignored or train otherwise than asked,
 * before anything is loaded: --model/--se/--width with --from (the model comes from the package),
 * a frozen backbone without --from (it would be a random one), --resume with nothing to resume.
 */
async function refuseContradictions(
  values: OptionValues,
  input: TrainConfigInput,
  fromDir: string | undefined,
  outDir: string,
): Promise<void> {
  if (fromDir !== undefined) {
    const zoo = ['model', 'se', 'width'].filter((name) => values[name] !== undefined);
    if (zoo.length > 0) {
      throw new ConfigError(
        `${zoo.map((name) => `--${name}`).join(', ')} ${zoo.length > 1 ? 'choose' : 'chooses'} a zoo model, but --from ${fromDir} starts from a saved one; give one or the other`,
        { options: zoo },
      );
    }
  }
  const checked = validateTrainConfig(input);
  if (checked.freeze !== 'none' && fromDir === undefined) {
    throw new ConfigError(
      `--freeze ${String(checked.freeze)} needs --from (a trained model package): without it the frozen layers would keep their random initial weights`,
      { option: 'freeze' },
    );
  }
  if (checked.unfreezeAtEpoch !== null && checked.freeze === 'none') {
    throw new ConfigError(
      `--unfreeze-at ${checked.unfreezeAtEpoch} unfreezes layers that --freeze froze, but nothing is frozen; give --freeze backbone|N (with --from) or leave --unfreeze-at out`,
      { option: 'unfreeze-at' },
    );
  }
  if (values.resume === true) {
    const checkpoints = join(outDir, 'checkpoints');
    if ((await listCheckpoints(checkpoints)).length === 0) {
      throw new ConfigError(
        `--resume: there is no checkpoint in ${checkpoints} to continue from; run without --resume to start a new run`,
        { option: 'resume', dir: checkpoints },
      );
    }
  }
}

/** --color-jitter B[,C,S]: torchvision ColorJitter strengths; one value sets all three. */
function colorJitterOption(values: OptionValues): Record<string, number> | undefined {
  const text = optionalString(values, 'color-jitter');
  if (text === undefined) return undefined;
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (!(parts.length === 1 || parts.length === 3) || parts.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new ConfigError(
      `--color-jitter must be one strength or three (brightness,contrast,saturation), each >= 0, got '${text}'`,
      { option: 'color-jitter' },
    );
  }
  const [brightness, contrast = brightness, saturation = brightness] = parts as [number, ...number[]];
  return { brightness, contrast, saturation };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a zoo model (or fine-tune a saved one) and write a model package',
  examples: [
    'pnpm edgeml train --dataset fashion-mnist --model cnn-small --epochs 10 --batch 128 --out runs/teacher',
    'pnpm edgeml train --model resnet8 --epochs 2 --limit 5000 --out runs/quick',
    'pnpm edgeml train --out runs/teacher --resume          # continue a killed run (same flags)',
    'pnpm edgeml train --from runs/teacher --dataset mnist --freeze backbone --unfreeze-at 3 --out runs/ft',
    'pnpm edgeml train --dataset cifar10 --classes 5-9 --per-class 50 --from runs/c0-4 --freeze backbone --out runs/ft',
  ],
  options: {
    ...DATASET_OPTIONS,
    model: {
      type: 'string',
      placeholder: 'NAME',
      description: `zoo model: ${ZOO_MODEL_NAMES.join(', ')}`,
      default: 'cnn-small',
    },
    from: {
      type: 'string',
      placeholder: 'DIR',
      description: 'start from a saved model package (transfer learning) instead of --model',
    },
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'model package directory to write',
      default: 'runs/<dataset>-<model>',
    },
    epochs: {
      type: 'string',
      placeholder: 'N',
      description: 'passes over the training split',
      default: '10',
    },
    batch: { type: 'string', placeholder: 'N', description: 'images per step', default: '64' },
    backend: {
      type: 'string',
      placeholder: 'NAME',
      description: `TF.js backend: ${BACKEND_NAMES.join(', ')}`,
      default: 'auto',
    },
    threads: {
      type: 'string',
      placeholder: 'N',
      description: 'wasm threads (default: all cores, at most 8)',
    },
    limit: {
      type: 'string',
      placeholder: 'N',
      description: 'train on a seeded subset of N training images (all of them when N is at least the split)',
    },
    'eval-limit': {
      type: 'string',
      placeholder: 'N',
      description: 'evaluate on the first N validation and test images',
    },
    resume: {
      type: 'boolean',
      description: 'continue from the newest checkpoint in <out>/checkpoints (an error when there is none)',
    },
    config: {
      type: 'string',
      placeholder: 'FILE',
      description: 'training config JSON (the trainer README lists its keys); flags override it',
    },
    optimizer: {
      type: 'string',
      placeholder: 'NAME',
      description: "'adam', 'adamw' or 'sgd'",
      default: 'adam',
    },
    lr: { type: 'string', placeholder: 'X', description: 'learning rate' },
    'weight-decay': {
      type: 'string',
      placeholder: 'X',
      description: 'L2 (adam, sgd) or decoupled (adamw) weight decay',
    },
    schedule: {
      type: 'string',
      placeholder: 'NAME',
      description: "'constant', 'cosine', 'step' or 'plateau'",
    },
    warmup: { type: 'string', placeholder: 'N', description: 'linear warm-up epochs' },
    'label-smoothing': { type: 'string', placeholder: 'X', description: 'label smoothing epsilon' },
    mixup: { type: 'string', placeholder: 'ALPHA', description: 'mixup Beta(alpha, alpha); 0 = off' },
    'crop-padding': {
      type: 'string',
      placeholder: 'PX',
      description: 'random crop augmentation with this zero padding',
    },
    flip: {
      type: 'boolean',
      description: 'random horizontal flips (off by default: orientation matters for digits)',
    },
    'color-jitter': {
      type: 'string',
      placeholder: 'B[,C,S]',
      description: 'colour jitter as torchvision ColorJitter: brightness, contrast, saturation strengths',
    },
    cutout: {
      type: 'string',
      placeholder: 'PX',
      description: 'cutout (DeVries & Taylor 2017): one square of this side per image set to the mean colour',
    },
    loss: { type: 'string', placeholder: 'NAME', description: "'crossentropy' or 'focal'" },
    'class-weights': {
      type: 'string',
      placeholder: 'MODE',
      description: "'none' or 'balanced' (from class counts)",
    },
    oversample: { type: 'boolean', description: 'class-balanced sampling' },
    'early-stopping': {
      type: 'string',
      placeholder: 'PATIENCE',
      description: 'stop after PATIENCE epochs without validation improvement; restore the best',
    },
    'new-head': {
      type: 'boolean',
      description:
        'with --from: a fresh head even when the classes are the same (a new head is made whenever the class names differ)',
    },
    freeze: {
      type: 'string',
      placeholder: 'WHAT',
      description: "with --from: 'backbone' or the first N layers",
    },
    'unfreeze-at': {
      type: 'string',
      placeholder: 'EPOCH',
      description: 'epoch from which every layer trains again',
    },
    se: {
      type: 'boolean',
      description: 'squeeze-and-excitation blocks (resnet8, resnet20, mobilenetv2-tiny)',
    },
    width: { type: 'string', placeholder: 'X', description: 'width multiplier (mobilenetv2-tiny)' },
  },
  async run(values, out) {
    const started = performance.now();
    const fromDir = optionalString(values, 'from');
    const modelName = fromDir ? undefined : choiceOption(values, 'model', ZOO_MODEL_NAMES, 'cnn-small');
    const datasetName = stringOption(values, 'dataset', 'fashion-mnist');
    const outDir = resolve(
      stringOption(
        values,
        'out',
        join('runs', `${datasetName}-${modelName ?? basename(fromDir ?? 'model')}`),
      ),
    );
    const backendName = choiceOption<BackendRequest>(values, 'backend', BACKEND_NAMES, 'auto');
    const threads = optionalInt(values, 'threads', { min: 1, max: 64 });
    const evalLimit = optionalInt(values, 'eval-limit', { min: 1 });
    const input = await configFromOptions(values);
    await refuseContradictions(values, input, fromDir, outDir);

    const backend = await selectBackend(backendName, threads === undefined ? {} : { threads });
    out.note(`backend: ${backend.name} (${backend.detail})`);
    for (const s of backend.skipped) out.note(`  skipped ${s.name}: ${s.reason}`);

    const source = fromDir ? await loadTrainedPackage(fromDir) : undefined;
    // Fine-tuning continues on the data the source model was trained on (its manifest.data, or a
    // built-in training.dataset of older packages), with the data-set options given laid over it.
    const datasetOptions = source
      ? (datasetOverride(values, source.manifest) ?? modelDatasetOptions(source.manifest))
      : datasetOptionsFrom(values);
    // The package and its checkpoints go to outDir: not a file, writable, and not inside the data.
    await checkOutputDirectory(outDir, { dataDir: datasetOptions.dir });
    const dataset = await loadDataset(datasetOptions);
    const { info } = dataset;
    const numClasses = info.classNames.length;
    const config = validateTrainConfig(input, { trainSize: dataset.split('train').size, numClasses });
    if (input.limit != null && config.limit === null) {
      out.note(
        `note: --limit ${input.limit} is at least the ${dataset.split('train').size} training images: training on all of them`,
      );
    }

    let model: ReturnType<typeof buildModel>;
    let fromManifestSha: string | undefined;
    if (source) {
      const loaded = source;
      fromManifestSha = loaded.manifestSha256;
      // A new head whenever the classes differ (names, not just their count), or when asked.
      const head = modelForLabels(loaded.model, loaded.manifest.labels, info.classNames, {
        newHead: Boolean(values['new-head']),
        seed: config.seed,
      });
      model = head.model;
      if (head.newHead) out.note(`new head: ${numClasses} classes (${info.classNames.join(', ')})`);
    } else {
      const width =
        values.width === undefined ? undefined : numberOption(values, 'width', { min: 0.1, max: 4 });
      model = buildModel(modelName ?? 'cnn-small', {
        inputShape: info.inputShape,
        numClasses,
        seed: config.seed,
        ...(values.se ? { se: true } : {}),
        ...(width === undefined ? {} : { widthMultiplier: width }),
      });
    }
    const description = describeModel(model);
    out.note(
      `model: ${modelName ?? `from ${fromDir}`}, ${description.params.toLocaleString('en-US')} parameters, ${(description.macs / 1e6).toFixed(2)} M MACs; ` +
        `training on ${config.limit ?? dataset.split('train').size} of ${dataset.split('train').size} ${info.name} training images`,
    );

    const progress = createProgressDisplay(out);
    let result: Awaited<ReturnType<typeof trainPackage>>;
    try {
      result = await trainPackage({
        model,
        modelName: modelName ?? `from:${fromDir}`,
        dataset,
        data: datasetReference(datasetOptions, info),
        config,
        backend,
        outDir,
        name: basename(outDir),
        inputs:
          fromDir && fromManifestSha ? [{ name: fromDir, sha256: fromManifestSha, kind: 'manifest' }] : [],
        ...(evalLimit !== undefined && { evalLimit }),
        resume: Boolean(values.resume),
        toolVersion: TOOL_VERSION,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    const { record, summary, validation, test } = result;
    if (record.resumedFromEpoch !== null) out.note(`resumed after epoch ${record.resumedFromEpoch}`);
    const wallS = (performance.now() - started) / 1000;

    if (out.json) {
      out.printJson({ out: outDir, ...summary });
      return 0;
    }
    out.print(
      formatTable(
        ['epoch', 'loss', 'acc', 'val_loss', 'val_acc', 'lr', 'samples/s', 'seconds'],
        record.epochs.map((e) => [
          e.epoch,
          Number(e.loss.toFixed(4)),
          Number(e.accuracy.toFixed(4)),
          e.valLoss === null ? '-' : e.valLoss.toFixed(4),
          e.valAccuracy === null ? '-' : e.valAccuracy.toFixed(4),
          e.lr.toExponential(2),
          Math.round(e.samplesPerSecond),
          Math.round(e.seconds),
        ]),
      ),
    );
    out.print();
    out.print(
      `validation accuracy ${validation ? (validation.accuracy * 100).toFixed(2) : '-'}%, test accuracy ${(test.accuracy * 100).toFixed(2)}% (${test.count} images)`,
    );
    out.print(`${summary.samples_per_s} samples/s on ${backend.name}; ${formatDuration(wallS)} in all`);
    out.print(`wrote ${outDir}`);
    return 0;
  },
};
