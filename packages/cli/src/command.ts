/**
 * The shape of one CLI command. Each command lives in its own file under commands/ and is listed
 * in commands/index.ts; bin.ts parses argv against the command's option spec and calls `run`.
 */
import type { Output } from './output.js';

/** One option of a command, as node:util parseArgs understands it, plus help text. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One-line description for --help. */
  readonly description: string;
  /** Value placeholder shown in --help, e.g. 'NAME' or 'DIR'. */
  readonly placeholder?: string;
  /** Default, shown in --help (and applied by the command, not by the parser). */
  readonly default?: string | boolean;
  readonly short?: string;
}

/** Parsed option values by name. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** A CLI command: its name (possibly two words, e.g. 'data info'), help and behaviour. */
export interface Command {
  /** Words that select it: 'train', 'data info'. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Example invocations for --help. */
  readonly examples: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Does the work; throws typed errors; returns the exit code (0 on success). */
  run(options: OptionValues, out: Output): Promise<number>;
}
