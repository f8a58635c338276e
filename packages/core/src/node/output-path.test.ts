import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import {
  checkOutputDirectory,
  checkOutputFile,
  fileSystemErrorMessage,
  OutputPathError,
} from './output-path.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgeml-out-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<OutputPathError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutputPathError);
  expect(error).toBeInstanceOf(ConfigError);
  return error as OutputPathError;
}

/** A directory even root cannot write in (sysfs refuses mkdir), when this machine has one. */
const readOnly = await mkdir('/sys/.edgeml-probe').then(
  async () => {
    await rm('/sys/.edgeml-probe', { recursive: true });
    return undefined;
  },
  (error: NodeJS.ErrnoException) =>
    ['EPERM', 'EACCES', 'EROFS'].includes(error.code ?? '') ? '/sys' : undefined,
);

describe('checkOutputDirectory', () => {
  it('accepts a new directory (even several levels deep) and an existing one, creating nothing', async () => {
    await checkOutputDirectory(join(root, 'a', 'b', 'c'));
    await checkOutputDirectory(root);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a file, and a path under a file, naming the path', async () => {
    await writeFile(join(root, 'f'), 'x');
    const atFile = await rejection(checkOutputDirectory(join(root, 'f')));
    expect(atFile.message).toBe(
      `--out ${join(root, 'f')}: is a file, not a directory; give a directory to write`,
    );
    const under = await rejection(checkOutputDirectory(join(root, 'f', 'pkg'), { option: 'package-dir' }));
    expect(under.message).toBe(
      `--package-dir ${join(root, 'f', 'pkg')}: ${join(root, 'f')} is a file, not a directory`,
    );
  });

  it('refuses the data directory itself and anything inside it, also through a link', async () => {
    const data = join(root, 'data');
    await mkdir(join(data, 'cats'), { recursive: true });
    const same = await rejection(checkOutputDirectory(data, { dataDir: data }));
    expect(same.message).toContain(`is the data directory ${data}`);
    const inside = await rejection(checkOutputDirectory(join(data, 'runs', 'x'), { dataDir: data }));
    expect(inside.message).toContain(`lies inside the data directory ${data}`);
    await symlink(data, join(root, 'link'));
    await rejection(checkOutputDirectory(join(root, 'link', 'run'), { dataDir: data }));
    await checkOutputDirectory(join(root, 'data-runs'), { dataDir: data });
  });

  it.skipIf(readOnly === undefined)('refuses a place it cannot write, with the reason', async () => {
    const error = await rejection(checkOutputDirectory(join(readOnly ?? '/', 'run')));
    expect(error.message).toMatch(
      /^--out \/sys\/run: cannot write there: \/sys is (not writable by this user \(E(PERM|ACCES)\)|on a read-only file system \(EROFS\))$/,
    );
  });
});

describe('checkOutputFile', () => {
  it('accepts a new file in a new directory, refuses a directory and a file under a file', async () => {
    await checkOutputFile(join(root, 'new', 'grid.png'));
    const dir = await rejection(checkOutputFile(root));
    expect(dir.message).toBe(`--out ${root}: is a directory; give a file name to write`);
    await writeFile(join(root, 'f'), 'x');
    const under = await rejection(checkOutputFile(join(root, 'f', 'grid.png')));
    expect(under.message).toBe(
      `--out ${join(root, 'f', 'grid.png')}: ${join(root, 'f')} is a file, not a directory`,
    );
  });
});

describe('fileSystemErrorMessage', () => {
  it('names the operation, the path and the reason of a raw errno error', async () => {
    await writeFile(join(root, 'f'), 'x');
    const error = await mkdir(join(root, 'f', 'x'), { recursive: true }).catch((e: unknown) => e);
    expect(fileSystemErrorMessage(error)).toMatch(
      /^cannot mkdir .*\/f(\/x)?: a part of the path is a file, not a directory \(ENOTDIR\)$/,
    );
    const atFile = await mkdir(join(root, 'f'), { recursive: true }).catch((e: unknown) => e);
    expect(fileSystemErrorMessage(atFile)).toBe(
      `cannot mkdir ${join(root, 'f')}: it exists and is not a directory (EEXIST)`,
    );
    expect(fileSystemErrorMessage(new Error('plain'))).toBeUndefined();
  });
});
