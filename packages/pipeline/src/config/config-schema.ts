/**
 * The `edgeml pipeline` config, declared once per section: the data set, training and pass
 * sections reuse the declarations of the libraries that own them (trainer's DATASET_OPTIONS and
 * TRAINING_OPTIONS, the optimizer's PRUNE_OPTIONS, DISTILL_OPTIONS and QUANTIZE_OPTIONS), so the CLI flags and the
 * config keys have the same defaults and the same validation messages. The training sections
 * (teacher, distill, prune) also take a training config's objects (`optimizer`, `schedule`,
 * `augment`), checked by the trainer's validateTrainConfig (training-section.ts). The JSON Schema
 * (edgeml.config.schema.json, written by `edgeml pipeline --write-schema`) and the validator
 * (validate-config.ts) are both derived from PIPELINE_SECTIONS. Keys left out of a config take
 * the preset's value, then the declared default.
 */

import { BENCH_OPTIONS } from '@edgeml/bench';
import {
  type JsonObject,
  type OptionDecls,
  type OptionsOf,
  omitOptions,
  optionJsonSchema,
  optionsJsonSchema,
} from '@edgeml/core';
import {
  DISTILL_OPTIONS,
  EXPORT_OPTIONS,
  PRUNE_OPTIONS,
  QAT_FLAT_OPTIONS,
  QUANTIZE_OPTIONS,
} from '@edgeml/optimizer';
import { BACKEND_NAMES, DATASET_OPTIONS, ZOO_MODEL_NAMES } from '@edgeml/trainer';
import { OBJECTIVE_OPTIONS } from './objective.js';
import { BENCH_TARGETS, PACKAGE_TARGETS } from './targets.js';
import {
  INIT_OPTION,
  TRAINING_SECTION_OPTIONS,
  type TrainingSection,
  trainingSectionSchema,
} from './training-section.js';

/** Top-level keys (the sections are below). */
export const PIPELINE_OPTIONS = {
  out: { kind: 'string', default: 'runs/pipeline', description: 'run directory' },
  seed: {
    kind: 'integer',
    min: 0,
    default: 0,
    description: 'seed of every split, shuffle and initialisation',
  },
  backend: {
    kind: 'choice',
    values: BACKEND_NAMES,
    default: 'auto',
    description: 'TF.js backend for training and evaluation (part of every stage key)',
  },
  threads: {
    kind: 'integer',
    min: 1,
    max: 64,
    nullable: true,
    default: null,
    description: 'wasm threads (null: all cores, at most 8)',
  },
  evalImages: {
    kind: 'integer',
    min: 1,
    nullable: true,
    default: null,
    description: 'test images every stage is evaluated on (null: the whole test split)',
  },
} as const satisfies OptionDecls;

/** Every section: its description and its declared keys. */
export const PIPELINE_SECTIONS = {
  dataset: { description: 'the data set', options: DATASET_OPTIONS },
  objective: {
    description:
      'what the run optimises for: each pass is kept only when it pays on this target within the accuracy budget',
    options: OBJECTIVE_OPTIONS,
  },
  teacher: {
    description: 'stage train: the teacher',
    options: {
      model: {
        kind: 'choice',
        values: ZOO_MODEL_NAMES,
        default: 'cnn-small',
        description: 'zoo model of the teacher',
      },
      ...INIT_OPTION,
      from: {
        kind: 'string',
        nullable: true,
        default: null,
        description:
          "a trained model package (edgeml train's output) to use as the teacher instead of training one: its data set, classes and input shape must be the pipeline's; it is evaluated on the test split like a trained teacher (null: train the teacher; with a package, 'model', 'init' and the training keys are not used)",
      },
      ...TRAINING_SECTION_OPTIONS,
    },
  },
  distill: {
    description: 'stage distill: Hinton distillation into a zoo student',
    options: {
      ...omitOptions(DISTILL_OPTIONS, ['evalLimit']),
      ...INIT_OPTION,
      ...TRAINING_SECTION_OPTIONS,
    },
  },
  prune: {
    description: 'stage prune: pruning + fine-tuning of the student (finetuneEpochs are its epochs)',
    options: {
      ...omitOptions(PRUNE_OPTIONS, ['evalLimit', 'latencyRuns']),
      ...omitOptions(TRAINING_SECTION_OPTIONS, ['epochs']),
    },
  },
  quantize: {
    description: 'stage quantize: int8 quantisation (evaluated on the top-level evalImages)',
    options: { ...omitOptions(QUANTIZE_OPTIONS, ['evalImages']), ...QAT_FLAT_OPTIONS },
  },
  export: {
    description: 'stage export: ONNX, TFLite, TF.js of teacher, student and the final model',
    options: EXPORT_OPTIONS,
  },
  package: {
    description: 'stage package: deployable targets of the final model',
    options: {
      targets: {
        kind: 'list',
        values: PACKAGE_TARGETS,
        default: PACKAGE_TARGETS,
        description: 'targets to write',
      },
      precision: {
        kind: 'choice',
        values: ['float32', 'int8'],
        default: 'int8',
        description: 'model variant the worker and web targets serve',
      },
      runtime: {
        kind: 'choice',
        values: ['auto', 'edgeml-wasm', 'ort-web'],
        default: 'auto',
        description:
          "what runs the model in the worker and web targets: 'edgeml-wasm' (the final model compiled by @edgeml/compiler, checked against onnxruntime-node), 'ort-web' (onnxruntime-web on the ONNX file), or 'auto' (the compiled module where the compiler covers the model and its parity holds, else onnxruntime-web with the reason recorded)",
      },
      measureWorker: {
        kind: 'boolean',
        default: false,
        description: 'measure the Worker bundle with `wrangler deploy --dry-run` (slow)',
      },
    },
  },
  bench: {
    description: 'stage bench: every exported model on each target',
    options: {
      targets: {
        kind: 'list',
        values: BENCH_TARGETS,
        default: ['ort-node', 'ort-web', 'tflite'],
        description: 'bench targets',
      },
      ...BENCH_OPTIONS,
    },
  },
} as const satisfies Record<string, { description: string; options: OptionDecls }>;

/** Section names, in config order. */
export type PipelineSectionName = keyof typeof PIPELINE_SECTIONS;

/** The sections that train (their training keys are a training config's, see training-section.ts). */
export const TRAINING_SECTIONS = ['teacher', 'distill', 'prune'] as const;
/** A training section's name. */
export type TrainingSectionName = (typeof TRAINING_SECTIONS)[number];

/** A validated section: its declared keys, and for the training sections the training config's objects. */
type SectionConfig<S extends PipelineSectionName> = S extends TrainingSectionName
  ? Omit<OptionsOf<(typeof PIPELINE_SECTIONS)[S]['options']>, 'optimizer' | 'schedule'> &
      Pick<TrainingSection, 'optimizer' | 'schedule' | 'augment'>
  : OptionsOf<(typeof PIPELINE_SECTIONS)[S]['options']>;

/** A validated pipeline config (every key present). */
export type PipelineConfig = OptionsOf<typeof PIPELINE_OPTIONS> & {
  $schema?: string;
} & {
  -readonly [S in PipelineSectionName]: SectionConfig<S>;
};

/** One training run's settings (a training section's training keys). */
export type TrainingSettings = TrainingSection;

/** The JSON Schema of edgeml.config.json, derived from the declarations. */
export const PIPELINE_CONFIG_SCHEMA: JsonObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://edgeml.dev/schemas/edgeml.config.schema.json',
  title: 'edgeml pipeline config',
  description:
    'Config of `edgeml pipeline`: train a teacher, distil a student, prune, quantise (int8), export, package, benchmark, report. Keys left out take the preset\'s value (--preset, default "quick"), then the default shown here.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'path or URL of this schema (ignored)' },
    ...Object.fromEntries(Object.entries(PIPELINE_OPTIONS).map(([k, d]) => [k, optionJsonSchema(d)])),
    ...Object.fromEntries(
      Object.entries(PIPELINE_SECTIONS).map(([name, s]) => [
        name,
        (TRAINING_SECTIONS as readonly string[]).includes(name)
          ? trainingSectionSchema(s.options as OptionDecls, s.description)
          : optionsJsonSchema(s.options as OptionDecls, s.description),
      ]),
    ),
  },
};
