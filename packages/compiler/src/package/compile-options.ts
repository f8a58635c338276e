/**
 * The options of `edgeml compile` and compileModelPackage, declared once (CLI flags, help text and
 * checks are derived from it). int8 compiles quantise with static PTQ exactly as the quantize
 * pass's defaults do (the same estimator, the same seeded sample of training images), so a package
 * quantised with the defaults compiles to the parameters of its model.int8.onnx.
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
      'float32, or int8 (quantised with static PTQ on the model data set, as edgeml quantize does)',
  },
  calibration: { ...QUANTIZE_OPTIONS.calibration, description: 'int8: activation range estimator' },
  percentile: {
    ...QUANTIZE_OPTIONS.percentile,
    description: "int8: percentile kept by 'percentile' calibration",
  },
  calibrationImages: {
    ...QUANTIZE_OPTIONS.calibrationImages,
    description: 'int8: calibration images drawn from the training split',
  },
} as const satisfies OptionDecls;
