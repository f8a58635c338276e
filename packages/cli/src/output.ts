/**
 * Where a command writes: results to stdout (a table for people, or one JSON document with
 * --json), progress and notes to stderr, so `--json` output stays machine-readable.
 */
import type { Writable } from 'node:stream';

/** Output channels of a command run. */
export interface Output {
  /** True when the user asked for --json. */
  readonly json: boolean;
  /** True when stderr is an interactive terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
  /** Writes a line of human-readable result text to stdout (suppressed under --json). */
  print(line?: string): void;
  /** Writes a machine-readable result as JSON to stdout (only under --json). */
  printJson(value: unknown): void;
  /** Writes a note or progress line to stderr. */
  note(line: string): void;
  /** The stream progress bars draw on. */
  readonly progressStream: Writable;
}

/** An Output over the process's stdout and stderr. */
export function processOutput(json: boolean): Output {
  return {
    json,
    interactive: Boolean(process.stderr.isTTY),
    print(line = '') {
      if (!json) process.stdout.write(`${line}\n`);
    },
    printJson(value) {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note(line) {
      process.stderr.write(`${line}\n`);
    },
    progressStream: process.stderr,
  };
}

/** Formats rows as an aligned plain-text table with a header rule. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
