/** Every pipeline pass by name, for `edgeml pipeline` configs and tools that list passes. */
import { distillPass } from '../passes/distill/distill-pass.js';
import { prunePass } from '../passes/prune/prune-pass.js';
import { quantizePass } from '../passes/quantize/quantize-pass.js';
import type { PassFactory } from './pass.js';
import { foldBnPass } from './passes/fold-bn-pass.js';

/** The pass factories, keyed by pass name. */
export const PASSES: Readonly<Record<string, PassFactory>> = {
  'fold-bn': foldBnPass as unknown as PassFactory,
  prune: prunePass as unknown as PassFactory,
  distill: distillPass as unknown as PassFactory,
  quantize: quantizePass as unknown as PassFactory,
};
