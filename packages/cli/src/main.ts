/**
 * The CLI's dispatcher: finds the command named by argv, parses its options (each at most once),
 * checks that a given --out can be written (and is not inside --data-dir) before any work, runs
 * the command, and maps failures to exit codes: 0 success, 1 failure, 2 bad usage (with a one-line
 * reason). With --json every failure also prints `{"error": {code, message, details}}` on stdout.
 */
import { parseArgs } from 'node:util';
import { ConfigError, EdgemlError } from '@edgeml/core';
import { checkOutputDirectory, checkOutputFile, fileSystemErrorMessage } from '@edgeml/core/node';
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

/** Throws a UsageError when an option is given more than once (`--epochs 1 --epochs 2`). */
function refuseRepeatedOptions(
  tokens: readonly { kind: string; name?: string; rawName?: string; value?: string | undefined }[],
): void {
  const seen = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const values = seen.get(token.name) ?? [];
    values.push(token.value === undefined ? (token.rawName ?? `--${token.name}`) : `'${token.value}'`);
    seen.set(token.name, values);
  }
  for (const [name, values] of seen) {
    if (values.length > 1) {
      throw new UsageError(`--${name} is given ${values.length} times (${values.join(', ')}); give it once`);
    }
  }
}

/**
 * Checks a given --out before the command does any work: a DIR must be creatable or a writable
 * directory (not a file, not read-only, not inside --data-dir); a FILE must not be a directory.
 */
async function checkOut(command: Command, values: Record<string, string | boolean | undefined>) {
  const spec = command.options['out'];
  const out = values['out'];
  if (spec === undefined || typeof out !== 'string' || out === '') return;
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
  if (spec.placeholder === 'FILE') await checkOutputFile(out, { dataDir });
  else await checkOutputDirectory(out, { dataDir });
}

/** The JSON error object printed under --json, and the line for stderr, of any failure. */
function describeFailure(error: unknown): {
  code: string;
  message: string;
  details: Readonly<Record<string, unknown>>;
  usage: boolean;
} {
  if (error instanceof EdgemlError) {
    return {
      code: error.code,
      message: error.message,
      details: error.details,
      usage: error instanceof ConfigError,
    };
  }
  if (error instanceof UsageError)
    return { code: 'CONFIG_INVALID', message: error.message, details: {}, usage: true };
  const fs = fileSystemErrorMessage(error);
  if (fs !== undefined) {
    const e = error as NodeJS.ErrnoException;
    return {
      code: e.code ?? 'EIO',
      message: fs,
      details: {
        ...(e.path !== undefined && { path: e.path }),
        ...(e.syscall !== undefined && { syscall: e.syscall }),
      },
      usage: false,
    };
  }
  return {
    code: 'INTERNAL',
    message: error instanceof Error ? error.message : String(error),
    details: error instanceof Error ? { name: error.name } : {},
    usage: false,
  };
}

/** Prints a failure (stderr; and stdout as JSON with --json); returns its exit code. */
function reportFailure(error: unknown, json: boolean, prefix: string): number {
  const failure = describeFailure(error);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code: failure.code, message: failure.message, details: failure.details } })}\n`,
    );
  }
  process.stderr.write(`${prefix}: ${failure.message}\n`);
  if (failure.code === 'INTERNAL' && process.env.EDGEML_DEBUG) console.error(error);
  return failure.usage ? 2 : 1;
}

/** Runs the CLI on argv (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const jsonAsked = argv.includes('--json');
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return first === undefined ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    const hint = group.length > 0 ? ` (did you mean ${group.map((c) => `'${c.name}'`).join(', ')}?)` : '';
    return reportFailure(
      new UsageError(`unknown command '${argv.slice(0, 2).join(' ')}'${hint}; see 'edgeml --help'`),
      jsonAsked,
      'edgeml',
    );
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
      tokens: true,
    });
    refuseRepeatedOptions(parsed.tokens);
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    const message = `${(error as Error).message}; see 'edgeml ${command.name} --help'`;
    return reportFailure(new UsageError(message), jsonAsked, `edgeml ${command.name}`);
  }
  if (values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  const out = processOutput(Boolean(values.json));
  try {
    await checkOut(command, values);
    return await command.run(values, out);
  } catch (error) {
    return reportFailure(error, out.json, `edgeml ${command.name}`);
  }
}
