/**
 * Every pipeline pass by name, for `edgeml pipeline` configs and tools that list passes.
 * The int8 quantize pass joins here as `quantize: quantizePass` once it is wrapped with definePass
 * (its author owns src/passes/quantize/).
 */
import { distillPass } from '../passes/distill/distill-pass.js';
import { prunePass } from '../passes/prune/prune-pass.js';
import type { PassFactory } from './pass.js';
import { foldBnPass } from './passes/fold-bn-pass.js';

/** The pass factories, keyed by pass name. */
export const PASSES: Readonly<Record<string, PassFactory>> = {
  'fold-bn': foldBnPass as unknown as PassFactory,
  prune: prunePass as unknown as PassFactory,
  distill: distillPass as unknown as PassFactory,
  // quantize: quantizePass (int8 PTQ/QAT), to be added by the quantize pass's author.
};
