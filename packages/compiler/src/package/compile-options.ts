/**
 * The options of `edgeml compile` and compileModelPackage, declared once (CLI flags, help text and
 * checks are derived from it). An int8 compile compiles the package's int8 ONNX model
 * (model.int8.onnx, written by `edgeml quantize`) when it has one: the calibration options apply
 * only to a package without one, which is quantised with static PTQ exactly as the quantize pass's
 * defaults do (the same estimator, the same seeded sample of training images).
 */

import type { OptionDecls } from '@edgeml/core';
import { QUANTIZE_OPTIONS } from '@edgeml/optimizer';

/** Precisions a model compiles to. */
export const COMPILE_PRECISIONS = ['float32', 'int8'] as const;
/** float32, or int8 (static PTQ: int8 weights and activations). */
export type CompilePrecision = (typeof COMPILE_PRECISIONS)[number];

/** Declared options of `edgeml compile`. */
export const COMPILE_OPTIONS = {
  precision: {
    kind: 'choice',
    values: COMPILE_PRECISIONS,
    default: 'float32',
    placeholder: 'NAME',
    description:
      "float32, or int8 (the package's model.int8.onnx; without one, static PTQ on the model data set as edgeml quantize does)",
  },
  calibration: {
    ...QUANTIZE_OPTIONS.calibration,
    description: 'int8 without model.int8.onnx: activation range estimator',
  },
  percentile: {
    ...QUANTIZE_OPTIONS.percentile,
    description: "int8 without model.int8.onnx: percentile kept by 'percentile' calibration",
  },
  calibrationImages: {
    ...QUANTIZE_OPTIONS.calibrationImages,
    description: 'int8 without model.int8.onnx: calibration images drawn from the training split',
  },
} as const satisfies OptionDecls;
