// @edgeml/cli: the `edgeml` command line. Library users import the other packages; this one
// exports the dispatcher and the command list for embedding and tests.

export type { Command, OptionSpec, OptionValues } from './command.js';
export { COMMANDS } from './commands/index.js';
export { commandHelp, main, mainHelp, UsageError } from './main.js';
export type { Output } from './output.js';
export { formatTable } from './output.js';
export type { ProgressDisplay } from './progress.js';
export { createProgressDisplay, formatDuration } from './progress.js';
