/**
 * The training keys of the pipeline's `teacher`, `distill` and `prune` sections, as
 * `edgeml train --config` takes them: the trainer's flat TRAINING_OPTIONS (epochs, batchSize, limit,
 * optimizer, lr, schedule) and `labelSmoothing` (its TRAINING_DETAIL_OPTIONS declaration), plus the
 * nested objects of a training config: `optimizer` and `schedule` may be a name (as before) or the
 * training config's object (`{"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": true,
 * "weightDecay": 5e-4}`, `{"name": "cosine", "warmupEpochs": 1}`), and `augment` is the training
 * config's object (`{"randomCropPadding": 4, "horizontalFlip": true, "colorJitter": {...},
 * "cutout": 16}`). The whole is checked by the trainer's own `validateTrainConfig` (the validator of
 * `edgeml train --config`), its message prefixed with the section:
 * `teacher: 'optimizer.momentum' must be a number in [0, 1), got 1.5`.
 */
import {
  ConfigError,
  checkOption,
  type JsonObject,
  type JsonValue,
  type OptionDecls,
  optionJsonSchema,
  readOptions,
} from '@edgeml/core';
import {
  DEFAULT_RANDOM_RESIZED_CROP,
  DEFAULT_TRAIN_CONFIG,
  INIT_SCHEMES,
  type OptimizerName,
  type ScheduleName,
  TRAINING_DETAIL_OPTIONS,
  TRAINING_OPTIONS,
  type TrainConfig,
  type TrainConfigContext,
  type TrainConfigInput,
  trainConfigInput,
  validateTrainConfig,
} from '@edgeml/trainer';

/** The flat training keys of a section (the trainer's declarations). */
export const TRAINING_SECTION_OPTIONS = {
  ...TRAINING_OPTIONS,
  labelSmoothing: TRAINING_DETAIL_OPTIONS.labelSmoothing,
} as const satisfies OptionDecls;

/** `init` of a zoo model the section builds (teacher, distill's student). */
export const INIT_OPTION = {
  init: {
    kind: 'choice',
    values: INIT_SCHEMES,
    default: 'he',
    description:
      "initialisation of the zoo model (edgeml train --init): 'he' (He normal, Glorot logits, zero biases) or 'pytorch' (PyTorch's Conv2d/Linear default, U(+-1/sqrt(fan_in)) kernels and biases)",
  },
} as const satisfies OptionDecls;

/** The keys a section takes as a training config's object (checked by validateTrainConfig). */
export const TRAIN_OBJECT_KEYS = ['optimizer', 'schedule', 'augment'] as const;

/** The training config's optimizer object (any key may be left out), or its name. */
export type OptimizerSetting = OptimizerName | NonNullable<TrainConfigInput['optimizer']>;
/** The training config's schedule object, or its name. */
export type ScheduleSetting = ScheduleName | NonNullable<TrainConfigInput['schedule']>;
/** The training config's augment object. */
export type AugmentSetting = NonNullable<TrainConfigInput['augment']>;

/** A validated training section's training keys. */
export interface TrainingSection {
  epochs: number;
  batchSize: number;
  limit: number | null;
  optimizer: OptimizerSetting;
  lr: number | null;
  schedule: ScheduleSetting;
  labelSmoothing: number;
  augment: AugmentSetting;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The training config (plain JSON, as `edgeml train --config` reads it) of a section's training
 * keys and the run's seed: the flat keys (trainConfigInput), the `optimizer` / `schedule` objects
 * laid over their names, `augment` and `labelSmoothing`.
 */
export function sectionTrainInput(section: TrainingSection, seed: number): JsonObject {
  const optimizerName = typeof section.optimizer === 'string' ? section.optimizer : undefined;
  const scheduleName = typeof section.schedule === 'string' ? section.schedule : undefined;
  const base = trainConfigInput(
    {
      epochs: section.epochs,
      batchSize: section.batchSize,
      limit: section.limit,
      optimizer: optimizerName ?? DEFAULT_TRAIN_CONFIG.optimizer.name,
      lr: section.lr,
      schedule: scheduleName ?? DEFAULT_TRAIN_CONFIG.schedule.name,
    },
    seed,
  );
  const out: JsonObject = { ...base };
  if (isRecord(section.optimizer)) {
    const given = section.optimizer as JsonObject;
    out['optimizer'] = {
      ...(section.lr !== null && { lr: section.lr }),
      ...given,
      name: (given['name'] as string | undefined) ?? DEFAULT_TRAIN_CONFIG.optimizer.name,
    };
  }
  if (isRecord(section.schedule)) {
    const given = section.schedule as JsonObject;
    out['schedule'] = {
      ...given,
      name: (given['name'] as string | undefined) ?? DEFAULT_TRAIN_CONFIG.schedule.name,
    };
  }
  if (section.labelSmoothing !== DEFAULT_TRAIN_CONFIG.labelSmoothing)
    out['labelSmoothing'] = section.labelSmoothing;
  if (Object.keys(section.augment).length > 0)
    out['augment'] = JSON.parse(JSON.stringify(section.augment)) as JsonObject;
  return out;
}

/** validateTrainConfig with its ConfigError prefixed by the section (`teacher: 'optimizer.lr' must be ...`). */
export function checkSectionTrainConfig(
  where: string,
  json: JsonObject,
  context: TrainConfigContext = {},
): TrainConfig {
  try {
    return validateTrainConfig(json, context);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(`${where}: ${error.message}`, { section: where, ...error.details });
    throw error;
  }
}

/**
 * Reads a training section: the declared keys by `readOptions` (defaults filled in, unknown keys
 * refused), `optimizer` and `schedule` as a name (the declared choice, the same message as the CLI
 * flag) or a training config's object, `augment` as a training config's object; then the training
 * config they make is checked by the trainer (`epochsKey` names the key holding the epochs when it
 * is not `epochs`: prune's `finetuneEpochs`).
 */
export function readTrainingSection(
  decls: OptionDecls,
  json: unknown,
  where: string,
  epochsKey = 'epochs',
): Record<string, JsonValue> {
  const given: Record<string, unknown> = isRecord(json) ? { ...json } : (json as Record<string, unknown>);
  const objects: Record<string, Record<string, unknown>> = {};
  if (isRecord(given)) {
    for (const key of ['optimizer', 'schedule'] as const) {
      const value = given[key];
      if (!isRecord(value)) continue;
      objects[key] = value;
      // The declared choice checks the name; the trainer checks the rest of the object below.
      if (value['name'] !== undefined) checkOption(decls[key]!, `${key}.name`, value['name'], where);
      delete given[key];
    }
    const augment = given['augment'];
    if (augment !== undefined && !isRecord(augment))
      throw new ConfigError(
        `${where}: 'augment' must be an object (a training config's augment: randomCropPadding, horizontalFlip, randomResizedCrop, colorJitter, cutout), got ${JSON.stringify(augment)}`,
        { section: where, key: 'augment' },
      );
  }
  const section = readOptions(decls, given, where, ['augment']) as Record<string, JsonValue>;
  for (const [key, value] of Object.entries(objects)) section[key] = value as JsonObject;
  section['augment'] = (section['augment'] ?? {}) as JsonObject;
  const optimizer = objects['optimizer'];
  if (optimizer?.['lr'] !== undefined && section['lr'] !== null)
    throw new ConfigError(
      `${where}: the learning rate is given twice, 'lr' (${section['lr']}) and 'optimizer.lr' (${JSON.stringify(optimizer['lr'])}); give one of them (over a preset whose optimizer is an object, such as cifar10's teacher, set 'optimizer.lr')`,
      { section: where, key: 'lr' },
    );
  const training = section as unknown as TrainingSection;
  const epochs = section[epochsKey];
  checkSectionTrainConfig(
    where,
    sectionTrainInput(
      { ...training, epochs: typeof epochs === 'number' ? Math.max(1, epochs) : training.epochs },
      0,
    ),
  );
  return section;
}

/** The JSON Schema of one key of a training config's object, from the trainer's default value. */
function valueSchema(key: string, value: unknown): JsonObject {
  if (key === 'name') return {};
  if (typeof value === 'boolean') return { type: 'boolean', default: value };
  if (typeof value === 'number')
    return Number.isInteger(value) && ['stepSize', 'patience', 'randomCropPadding'].includes(key)
      ? { type: 'integer', minimum: 0, default: value }
      : { type: 'number', minimum: 0, default: value };
  return {};
}

/** Descriptions of the object keys that the trainer declares as flags. */
const DETAIL_DESCRIPTIONS: Record<string, string> = {
  'optimizer.lr': 'learning rate (default: 0.001 for adam and adamw, 0.01 for sgd)',
  'optimizer.weightDecay':
    'weight decay of the kernels: L2 (adam, sgd) or decoupled (adamw) (default: 0; adamw 0.01)',
  'optimizer.momentum': 'SGD momentum',
  'optimizer.nesterov': 'SGD with Nesterov momentum',
  'schedule.warmupEpochs': TRAINING_DETAIL_OPTIONS.warmupEpochs.description,
  'augment.randomCropPadding': TRAINING_DETAIL_OPTIONS.randomCropPadding.description,
  'augment.horizontalFlip': TRAINING_DETAIL_OPTIONS.horizontalFlip.description,
  'augment.cutout': TRAINING_DETAIL_OPTIONS.cutout.description,
};

/** The JSON Schema of a training config's object (`optimizer`, `schedule`, `augment`): its keys from the trainer's defaults. */
function trainObjectSchema(key: 'optimizer' | 'schedule' | 'augment'): JsonObject {
  const defaults = DEFAULT_TRAIN_CONFIG[key] as unknown as Record<string, unknown>;
  const properties: Record<string, JsonObject> = {};
  for (const [k, v] of Object.entries(defaults)) properties[k] = valueSchema(k, v);
  if (key === 'optimizer' || key === 'schedule')
    properties['name'] = {
      type: 'string',
      enum: [...(key === 'optimizer' ? TRAINING_OPTIONS.optimizer.values : TRAINING_OPTIONS.schedule.values)],
      default: defaults['name'] as string,
    };
  if (key === 'optimizer') {
    properties['lr'] = { type: 'number', exclusiveMinimum: 0 };
    properties['weightDecay'] = { type: 'number', minimum: 0 };
    properties['momentum'] = { ...properties['momentum'], exclusiveMaximum: 1 };
  }
  if (key === 'augment') {
    const pair = { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2 };
    properties['randomResizedCrop'] = {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        scale: { ...pair, default: [...DEFAULT_RANDOM_RESIZED_CROP.scale] },
        ratio: { ...pair, default: [...DEFAULT_RANDOM_RESIZED_CROP.ratio] },
      },
      default: null,
    };
    properties['colorJitter'] = {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: Object.fromEntries(
        ['brightness', 'contrast', 'saturation'].map((c) => [c, { type: 'number', minimum: 0, default: 0 }]),
      ),
    };
    properties['cutout'] = { type: 'integer', minimum: 0, default: 0 };
  }
  for (const [k, schema] of Object.entries(properties)) {
    const description = DETAIL_DESCRIPTIONS[`${key}.${k}`];
    if (description !== undefined) properties[k] = { ...schema, description };
  }
  return { type: 'object', additionalProperties: false, properties };
}

/**
 * The JSON Schema of a training section's keys: the declared ones, with `optimizer` and `schedule`
 * also taking the training config's object, and `augment`.
 */
export function trainingSectionSchema(decls: OptionDecls, description: string): JsonObject {
  const properties: Record<string, JsonObject> = {};
  for (const [key, decl] of Object.entries(decls)) {
    const schema = optionJsonSchema(decl);
    if (key === 'optimizer' || key === 'schedule') {
      const { default: def, description: text, ...name } = schema;
      properties[key] = {
        anyOf: [name, trainObjectSchema(key)],
        default: def as JsonValue,
        description: `${text as string}: a name, or a training config's ${key} object (edgeml train --config), e.g. ${key === 'optimizer' ? '{"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": true, "weightDecay": 0.0005}' : '{"name": "cosine", "warmupEpochs": 1}'}`,
      };
    } else properties[key] = schema;
  }
  properties['augment'] = {
    ...trainObjectSchema('augment'),
    default: {},
    description:
      "a training config's augment object (edgeml train --config): randomCropPadding, horizontalFlip, randomResizedCrop, colorJitter, cutout",
  };
  return { type: 'object', description, additionalProperties: false, properties, default: {} };
}

/**
 * A section without the keys this change added while they hold their defaults, so that the stage
 * keys of configs written before them stay the same (their stages are reused).
 */
export function stableSection(section: Record<string, unknown>): JsonObject {
  const defaults: Record<string, unknown> = {
    augment: {},
    labelSmoothing: DEFAULT_TRAIN_CONFIG.labelSmoothing,
    init: INIT_OPTION.init.default,
    from: null,
  };
  return Object.fromEntries(
    Object.entries(section).filter(
      ([k, v]) => !(k in defaults) || JSON.stringify(v) !== JSON.stringify(defaults[k]),
    ),
  ) as JsonObject;
}
