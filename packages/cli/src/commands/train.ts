/**
 * `edgeml train`: trains a zoo model (or fine-tunes a saved one) on a data set and writes a model
 * package: the TF.js model, labels, summary.json (params, MACs, backend, speed, accuracies) and a
 * manifest with the metrics and the lineage. Checkpoints go to <out>/checkpoints; --resume
 * continues a killed run (and is refused when there is no checkpoint to continue from).
 */

import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  ConfigError,
  EdgemlError,
  type JsonObject,
  type OptionDecls,
  type OptionsOf,
  optionFlag,
} from '@edgeml/core';
import { checkOutputDirectory, readJsonConfig } from '@edgeml/core/node';
import {
  BACKEND_NAMES,
  buildModel,
  datasetReference,
  describeModel,
  INIT_SCHEMES,
  listCheckpoints,
  loadDataset,
  loadTrainedPackage,
  modelDatasetOptions,
  modelForLabels,
  selectBackend,
  TRAINING_DETAIL_OPTIONS,
  TRAINING_OPTIONS,
  type TrainConfigInput,
  trainPackage,
  validateTrainConfig,
  withTrainingOptions,
  ZOO_MODEL_NAMES,
} from '@edgeml/trainer';
import type { Command, OptionSpec, OptionValues } from '../command.js';
import { datasetOptionsFrom, datasetOverride } from '../dataset-from-options.js';
import {
  DATASET_OPTIONS,
  declaredOptions,
  flagsOf,
  optionalInt,
  optionalString,
  stringOption,
} from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay, formatDuration } from '../progress.js';
import { TOOL_VERSION } from '../version.js';

/** The flags named in `names`, in that order (help lists them where they belong). */
function pick(flags: Record<string, OptionSpec>, names: readonly string[]): Record<string, OptionSpec> {
  return Object.fromEntries(
    names.map((name) => {
      const spec = flags[name];
      if (spec === undefined) throw new Error(`no declared flag --${name}`);
      return [name, spec];
    }),
  );
}

/** What --out held before the run: whether it existed (else the highest directory the run creates) and its entries. */
interface OutputBefore {
  readonly created: string | undefined;
  readonly entries: ReadonlySet<string>;
  readonly checkpoints: ReadonlySet<string>;
}

async function entriesOf(dir: string): Promise<Set<string>> {
  return new Set(await readdir(dir).catch(() => []));
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Notes what `outDir` holds before training, so that a diverged run can leave it as it was. */
async function outputBefore(outDir: string): Promise<OutputBefore> {
  if (!(await exists(outDir))) {
    // The run makes outDir and any missing parents: the highest of them is what it created.
    let created = outDir;
    while (dirname(created) !== created && !(await exists(dirname(created)))) created = dirname(created);
    return { created, entries: new Set(), checkpoints: new Set() };
  }
  return {
    created: undefined,
    entries: await entriesOf(outDir),
    checkpoints: await entriesOf(join(outDir, 'checkpoints')),
  };
}

/**
 * Removes what a run that diverged wrote: the whole --out when the run created it; otherwise
 * only the entries it added (its checkpoints), leaving what was there.
 */
async function removeRunOutput(outDir: string, before: OutputBefore): Promise<void> {
  if (before.created !== undefined) {
    await rm(before.created, { recursive: true, force: true });
    return;
  }
  const checkpoints = join(outDir, 'checkpoints');
  if (before.entries.has('checkpoints')) {
    for (const name of await entriesOf(checkpoints))
      if (!before.checkpoints.has(name)) await rm(join(checkpoints, name), { recursive: true, force: true });
  }
  for (const name of await entriesOf(outDir))
    if (!before.entries.has(name)) await rm(join(outDir, name), { recursive: true, force: true });
}

/**
 * The options of `edgeml train` that are not part of the training config, declared like the rest:
 * `--threads NaN` gets `train: 'threads' must be an integer in [1, 64] or null, got "NaN" (--threads)`.
 */
export const TRAIN_COMMAND_OPTIONS = {
  model: {
    kind: 'choice',
    values: ZOO_MODEL_NAMES,
    default: 'cnn-small',
    placeholder: 'NAME',
    description: `zoo model: ${ZOO_MODEL_NAMES.join(', ')}`,
  },
  init: {
    kind: 'choice',
    values: INIT_SCHEMES,
    default: 'he',
    placeholder: 'SCHEME',
    description:
      "initialisation of the zoo model: 'he' (He normal, Glorot logits, zero biases) or 'pytorch' (PyTorch's Conv2d/Linear default, U(+-1/sqrt(fan_in)) kernels and biases)",
  },
  backend: {
    kind: 'choice',
    values: BACKEND_NAMES,
    default: 'auto',
    placeholder: 'NAME',
    description: `TF.js backend: ${BACKEND_NAMES.join(', ')}`,
  },
  threads: {
    kind: 'integer',
    min: 1,
    max: 64,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'wasm threads (default: all cores, at most 8)',
  },
  evalLimit: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    placeholder: 'N',
    description: 'evaluate on the first N validation and test images (default: all)',
  },
  width: {
    kind: 'number',
    min: 0.1,
    max: 4,
    nullable: true,
    default: null,
    placeholder: 'X',
    description: 'width multiplier (mobilenetv2-tiny)',
  },
} as const satisfies OptionDecls;

/** Every training-config option `edgeml train` takes as a flag (TRAINING_OPTIONS and the details). */
const TRAIN_CONFIG_OPTIONS = { ...TRAINING_OPTIONS, ...TRAINING_DETAIL_OPTIONS } as const;

/**
 * The declared options among `decls` whose flags were given, checked by their declarations (same
 * messages as everywhere, naming the flag); options not given are absent, so that a --config file
 * keeps its values and the trainer its defaults.
 */
function givenOptions<D extends OptionDecls>(decls: D, values: OptionValues): Partial<OptionsOf<D>> {
  const given = Object.fromEntries(
    Object.entries(decls).filter(([key, decl]) => values[optionFlag(key, decl)] !== undefined),
  );
  return declaredOptions(given, values, 'train') as Partial<OptionsOf<D>>;
}

/** The training config the flags describe, on top of --config FILE when given. */
async function configFromOptions(values: OptionValues): Promise<TrainConfigInput> {
  const file = optionalString(values, 'config');
  let base: JsonObject = {};
  if (file) {
    // A UTF-8 BOM is accepted; a number too large for a double is named by its path.
    const json = await readJsonConfig(file);
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ConfigError(`${file}: '$' must be a JSON object (the training config)`, { option: 'config' });
    base = json as JsonObject;
  }
  const config = withTrainingOptions(base, givenOptions(TRAIN_CONFIG_OPTIONS, values));
  const seed = optionalInt(values, 'seed', { min: 0, max: 2 ** 32 - 1 });
  if (seed !== undefined) config['seed'] = seed;
  const colorJitter = colorJitterOption(values);
  if (colorJitter !== undefined) {
    const augment = config['augment'];
    config['augment'] = {
      ...(typeof augment === 'object' && augment !== null && !Array.isArray(augment) ? augment : {}),
      colorJitter,
    };
  }
  const freeze = freezeOption(values);
  if (freeze !== undefined) config['freeze'] = freeze;
  return config as TrainConfigInput;
}

/** --freeze backbone|none|N. */
function freezeOption(values: OptionValues): 'backbone' | 'none' | number | undefined {
  const text = optionalString(values, 'freeze');
  if (text === undefined) return undefined;
  if (text === 'backbone' || text === 'none') return text;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(
      `--freeze must be 'backbone', 'none' or a number of leading layers (an integer >= 1), got '${text}'`,
      { option: 'freeze', expected: "'backbone', 'none' or an integer >= 1" },
    );
  }
  return n;
}

/**
 * Refuses flag combinations that would otherwise be silently ignored or train otherwise than asked,
 * before anything is loaded: --model/--init/--se/--width with --from (the model comes from the package),
 * a frozen backbone without --from (it would be a random one), --resume with nothing to resume.
 */
async function refuseContradictions(
  values: OptionValues,
  input: TrainConfigInput,
  fromDir: string | undefined,
  outDir: string,
): Promise<void> {
  if (fromDir !== undefined) {
    const zoo = ['model', 'init', 'se', 'width'].filter((name) => values[name] !== undefined);
    if (zoo.length > 0) {
      throw new ConfigError(
        `${zoo.map((name) => `--${name}`).join(', ')} ${zoo.length > 1 ? 'choose' : 'chooses'} a zoo model, but --from ${fromDir} starts from a saved one; give one or the other`,
        { options: zoo },
      );
    }
  }
  if (input.unfreezeLrScale != null && input.unfreezeAtEpoch == null) {
    throw new ConfigError(
      `--unfreeze-lr-scale ${input.unfreezeLrScale} lowers the learning rate from the unfreeze epoch on, but there is no --unfreeze-at; give --unfreeze-at EPOCH (with --freeze and --from) or leave --unfreeze-lr-scale out`,
      { option: 'unfreeze-lr-scale', requires: 'unfreeze-at' },
    );
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
function colorJitterOption(values: OptionValues): { [key: string]: number } | undefined {
  const text = optionalString(values, 'color-jitter');
  if (text === undefined) return undefined;
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (!(parts.length === 1 || parts.length === 3) || parts.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new ConfigError(
      `--color-jitter must be one strength or three (brightness,contrast,saturation), each a finite number >= 0, got '${text}'`,
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
    'pnpm edgeml train --from runs/teacher --dataset mnist --freeze backbone --unfreeze-at 3 --unfreeze-lr-scale 0.1 --out runs/ft',
    'pnpm edgeml train --dataset cifar10 --model article-cnn --init pytorch --epochs 10 --out runs/article-cnn-pt',
    'pnpm edgeml train --dataset cifar10 --classes 5-9 --per-class 50 --from runs/c0-4 --freeze backbone --out runs/ft',
  ],
  options: {
    ...DATASET_OPTIONS,
    ...pick(flagsOf(TRAIN_COMMAND_OPTIONS), ['model', 'init']),
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
    ...pick(flagsOf(TRAINING_OPTIONS), ['epochs', 'batch']),
    ...pick(flagsOf(TRAIN_COMMAND_OPTIONS), ['backend', 'threads']),
    ...pick(flagsOf(TRAINING_OPTIONS), ['limit']),
    ...pick(flagsOf(TRAIN_COMMAND_OPTIONS), ['eval-limit']),
    resume: {
      type: 'boolean',
      description: 'continue from the newest checkpoint in <out>/checkpoints (an error when there is none)',
    },
    config: {
      type: 'string',
      placeholder: 'FILE',
      description: 'training config JSON (the trainer README lists its keys); flags override it',
    },
    ...pick(flagsOf(TRAINING_OPTIONS), ['optimizer', 'lr']),
    ...pick(flagsOf(TRAINING_DETAIL_OPTIONS), ['weight-decay']),
    ...pick(flagsOf(TRAINING_OPTIONS), ['schedule']),
    ...pick(flagsOf(TRAINING_DETAIL_OPTIONS), ['warmup', 'label-smoothing', 'mixup', 'crop-padding', 'flip']),
    'color-jitter': {
      type: 'string',
      placeholder: 'B[,C,S]',
      description: 'colour jitter as torchvision ColorJitter: brightness, contrast, saturation strengths',
    },
    ...pick(flagsOf(TRAINING_DETAIL_OPTIONS), [
      'cutout',
      'loss',
      'class-weights',
      'oversample',
      'early-stopping',
    ]),
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
    ...pick(flagsOf(TRAINING_DETAIL_OPTIONS), ['unfreeze-at', 'unfreeze-lr-scale']),
    se: {
      type: 'boolean',
      description: 'squeeze-and-excitation blocks (resnet8, resnet20, mobilenetv2-tiny)',
    },
    ...pick(flagsOf(TRAIN_COMMAND_OPTIONS), ['width']),
  },
  async run(values, out) {
    const started = performance.now();
    const fromDir = optionalString(values, 'from');
    const command = declaredOptions(TRAIN_COMMAND_OPTIONS, values, 'train');
    const modelName = fromDir ? undefined : command.model;
    const datasetName = stringOption(values, 'dataset', 'fashion-mnist');
    const outDir = resolve(
      stringOption(
        values,
        'out',
        join('runs', `${datasetName}-${modelName ?? basename(fromDir ?? 'model')}`),
      ),
    );
    const { backend: backendName, threads, evalLimit } = command;
    const input = await configFromOptions(values);
    await refuseContradictions(values, input, fromDir, outDir);

    const backend = await selectBackend(backendName, threads === null ? {} : { threads });
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
      const { width } = command;
      model = buildModel(modelName ?? 'cnn-small', {
        inputShape: info.inputShape,
        numClasses,
        seed: config.seed,
        init: command.init,
        ...(values.se ? { se: true } : {}),
        ...(width === null ? {} : { widthMultiplier: width }),
      });
    }
    const description = describeModel(model);
    out.note(
      `model: ${modelName ?? `from ${fromDir}`}, ${description.params.toLocaleString('en-US')} parameters, ${(description.macs / 1e6).toFixed(2)} M MACs; ` +
        `training on ${config.limit ?? dataset.split('train').size} of ${dataset.split('train').size} ${info.name} training images`,
    );

    const progress = createProgressDisplay(out);
    const before = await outputBefore(outDir);
    let result: Awaited<ReturnType<typeof trainPackage>>;
    try {
      result = await trainPackage({
        model,
        modelName: modelName ?? `from:${fromDir}`,
        ...(source === undefined && { init: command.init }),
        dataset,
        data: datasetReference(datasetOptions, info),
        config,
        backend,
        outDir,
        name: basename(outDir),
        inputs:
          fromDir && fromManifestSha ? [{ name: fromDir, sha256: fromManifestSha, kind: 'manifest' }] : [],
        ...(evalLimit !== null && { evalLimit }),
        resume: Boolean(values.resume),
        toolVersion: TOOL_VERSION,
        onProgress: progress.onProgress,
      });
    } catch (error) {
      // A diverged run has nothing worth keeping (a resume would diverge again): no empty or
      // half-written --out is left behind.
      if (error instanceof EdgemlError && error.code === 'TRAINING_DIVERGED') {
        progress.stop();
        await removeRunOutput(outDir, before);
      }
      throw error;
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
