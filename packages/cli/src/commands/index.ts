/** Every CLI command, in the order `edgeml --help` lists them. */
import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { compileCommand } from './compile.js';
import { dataInfo } from './data-info.js';
import { dataPreview } from './data-preview.js';
import { deployCommand } from './deploy.js';
import { distillCommand } from './distill.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { optimizeCommand } from './optimize.js';
import { packageCommand } from './package.js';
import { pipelineCommand } from './pipeline.js';
import { pruneCommand } from './prune.js';
import { quantizeCommand } from './quantize.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';

export const COMMANDS: readonly Command[] = [
  dataInfo,
  dataPreview,
  trainCommand,
  evalCommand,
  exportCommand,
  quantizeCommand,
  pruneCommand,
  distillCommand,
  compileCommand,
  packageCommand,
  serveCommand,
  deployCommand,
  benchCommand,
  pipelineCommand,
  optimizeCommand,
];
