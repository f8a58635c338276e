/**
 * The CLI's dispatcher: finds the command named by argv, parses its options, runs it, and maps
 * failures to exit codes: 0 success, 1 failure, 2 bad usage (with a one-line reason).
 */
import { parseArgs } from 'node:util';
import { ConfigError, EdgemlError } from '@edgeml/core';
import type { Command, OptionSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { processOutput } from './output.js';

/** Options every command accepts. */
const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print the result as one JSON document on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Thrown for a malformed command line; exit code 2. */
export class UsageError extends Error {}

/** The help text listing every command. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'edgeml: train, compress, export, package and benchmark image classifiers for the edge',
    '',
    'Usage: edgeml <command> [options]    (from the repo root: pnpm edgeml <command> ...)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'edgeml <command> --help' for a command's options.",
  ].join('\n');
}

/** The help text of one command. */
export function commandHelp(command: Command): string {
  const all = { ...command.options, ...COMMON_OPTIONS };
  const flags = Object.entries(all).map(([name, spec]) => {
    const value = spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : '';
    return [`${spec.short ? `-${spec.short}, ` : ''}--${name}${value}`, spec] as const;
  });
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return [
    `edgeml ${command.name}: ${command.summary}`,
    '',
    'Options:',
    ...flags.map(([flag, spec]) => {
      const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
      return `  ${flag.padEnd(width)}  ${spec.description}${def}`;
    }),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** Picks the command named by the first one or two words of argv. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

/** Runs the CLI on argv (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return first === undefined ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    const hint = group.length > 0 ? ` (did you mean ${group.map((c) => `'${c.name}'`).join(', ')}?)` : '';
    process.stderr.write(
      `edgeml: unknown command '${argv.slice(0, 2).join(' ')}'${hint}; see 'edgeml --help'\n`,
    );
    return 2;
  }
  const { command, rest } = found;
  let values: Record<string, string | boolean | undefined>;
  try {
    // Defaults are shown in --help and applied by the command, never by the parser: a command must
    // be able to tell an option the user gave (--dataset) from one they left out.
    const options = Object.fromEntries(
      Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, { default: _d, ...spec }]) => [
        name,
        spec,
      ]),
    );
    const parsed = parseArgs({
      args: rest,
      options,
      strict: true,
      allowPositionals: false,
    });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    process.stderr.write(
      `edgeml ${command.name}: ${(error as Error).message}; see 'edgeml ${command.name} --help'\n`,
    );
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  const out = processOutput(Boolean(values.json));
  try {
    return await command.run(values, out);
  } catch (error) {
    const usage = error instanceof ConfigError || error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    if (out.json && error instanceof EdgemlError) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: error.code, message, details: error.details } })}\n`,
      );
    }
    process.stderr.write(`edgeml ${command.name}: ${message}\n`);
    if (!(error instanceof EdgemlError) && !usage && process.env.EDGEML_DEBUG) console.error(error);
    return usage ? 2 : 1;
  }
}
