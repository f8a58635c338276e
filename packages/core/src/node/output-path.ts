/**
 * Where a command may write, checked before any work starts: an output at a file, in a read-only
 * place or inside the data set being read fails at once with a typed error naming the path and the
 * reason, not as a raw ENOTDIR/EISDIR/EPERM after the work is done. The check creates nothing: it
 * probes the nearest existing directory with a hidden directory that it removes again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** An output path that cannot be written (exit 2: the user chose it); `details.reason` says why. */
export class OutputPathError extends ConfigError {
  constructor(option: string, path: string, problem: string, details: Record<string, unknown> = {}) {
    super(`--${option} ${path}: ${problem}`, { option, path, ...details });
  }
}

/** Options of the output checks. */
export interface OutputCheckOptions {
  /** The option that named the path, for the message. @default 'out' */
  readonly option?: string;
  /** A data directory being read: the output may not be it or lie inside it. */
  readonly dataDir?: string | undefined;
}

/**
 * Resolves when `path` can be written as a directory (it is one, or can be created); throws an
 * OutputPathError when it is a file, lies under a file, is not writable, or is (inside) `dataDir`.
 */
export async function checkOutputDirectory(path: string, options: OutputCheckOptions = {}): Promise<void> {
  const option = options.option ?? 'out';
  const target = resolve(path);
  const info = await statOrNull(target, option);
  if (info !== null && !info.isDirectory()) {
    throw new OutputPathError(option, target, 'is a file, not a directory; give a directory to write', {
      reason: 'not-a-directory',
    });
  }
  if (options.dataDir !== undefined) await checkOutsideData(target, options.dataDir, option);
  await probeWritable(
    info !== null ? target : await nearestExistingDirectory(target, target, option),
    target,
    option,
  );
}

/**
 * Resolves when `path` can be written as a file: it is not a directory and its directory exists or
 * can be created and is writable. Throws an OutputPathError otherwise.
 */
export async function checkOutputFile(path: string, options: OutputCheckOptions = {}): Promise<void> {
  const option = options.option ?? 'out';
  const target = resolve(path);
  const info = await statOrNull(target, option);
  if (info?.isDirectory()) {
    throw new OutputPathError(option, target, 'is a directory; give a file name to write', {
      reason: 'is-a-directory',
    });
  }
  if (options.dataDir !== undefined) await checkOutsideData(target, options.dataDir, option);
  await probeWritable(await nearestExistingDirectory(dirname(target), target, option), target, option);
}

/** Throws when `target` is `dataDir` or lies inside it (links resolved where the paths exist). */
async function checkOutsideData(target: string, dataDir: string, option: string): Promise<void> {
  const data = await realpath(resolve(dataDir)).catch(() => resolve(dataDir));
  const existing = await nearestExisting(target);
  const real = join(await realpath(existing).catch(() => existing), relative(existing, target));
  const rel = relative(data, real);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new OutputPathError(
      option,
      target,
      `${rel === '' ? 'is' : 'lies inside'} the data directory ${data}; writing there would mix outputs into the data set. Give a directory outside it`,
      { reason: 'inside-data', dataDir: data },
    );
  }
}

/** The nearest ancestor of `path` (or `path` itself) that exists; throws (naming `target`) when that is a file. */
async function nearestExistingDirectory(path: string, target: string, option: string): Promise<string> {
  const dir = await nearestExisting(path);
  const info = await statOrNull(dir, option);
  if (info !== null && !info.isDirectory()) {
    throw new OutputPathError(option, target, `${dir} is a file, not a directory`, {
      reason: 'parent-not-a-directory',
      parent: dir,
    });
  }
  return dir;
}

async function nearestExisting(path: string): Promise<string> {
  let current = resolve(path);
  for (;;) {
    const exists = await stat(current).then(
      () => true,
      () => false,
    );
    if (exists) return current;
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/** Creates and removes a hidden directory in `dir`: the one sure test (root passes access()). */
async function probeWritable(dir: string, target: string, option: string): Promise<void> {
  const probe = join(dir, `.edgeml-write-check-${basename(target)}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const where = dir === target ? 'it' : dir;
    throw new OutputPathError(option, target, `cannot write there: ${where} is ${describeErrno(code)}`, {
      reason: 'not-writable',
      errno: code,
      directory: dir,
    });
  }
  await rmdir(probe);
}

async function statOrNull(path: string, option: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new OutputPathError(option, path, `cannot be examined: ${describeErrno(code ?? 'error')}`, {
      reason: 'not-accessible',
      errno: code,
    });
  }
}

/** What an errno code says about a directory, in words, with the code. */
function describeErrno(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `not writable by this user (${code})`;
    case 'EROFS':
      return `on a read-only file system (${code})`;
    case 'ENOSPC':
      return `on a full disk (${code})`;
    case 'EDQUOT':
      return `over the disk quota (${code})`;
    default:
      return `not usable (${code})`;
  }
}

/**
 * A readable message for a raw file-system error (ENOTDIR, EISDIR, EACCES, ...), naming the path
 * and the operation; undefined for anything else. For the last line of defence, where an error
 * escaped the checks above.
 */
export function fileSystemErrorMessage(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!(e instanceof Error) || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return undefined;
  const path = e.path === undefined ? 'a path' : e.path;
  const reason: Record<string, string> = {
    ENOENT: 'it does not exist',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EISDIR: 'it is a directory, not a file',
    EEXIST: 'it exists already',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTEMPTY: 'the directory is not empty',
    EMFILE: 'too many open files',
  };
  const operation = e.syscall === undefined ? 'use' : e.syscall;
  // mkdir -p through a file fails with EEXIST on the file.
  const why =
    e.code === 'EEXIST' && e.syscall === 'mkdir'
      ? 'it exists and is not a directory'
      : (reason[e.code] ?? e.message);
  return `cannot ${operation} ${path}: ${why} (${e.code})`;
}
