import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@edgeml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOverwritable } from './overwrite-guard.js';

describe('checkOverwritable', () => {
  let dir: string;
  const target = {
    what: 'a Worker project',
    file: 'wrangler.toml',
    isOurs: (t: string) => t.startsWith('# edgeml'),
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-guard-'));
    await mkdir(join(dir, 'ours'));
    await writeFile(join(dir, 'ours', 'wrangler.toml'), '# edgeml worker\n');
    await mkdir(join(dir, 'theirs'));
    await writeFile(join(dir, 'theirs', 'wrangler.toml'), 'name = "my-app"\n');
    await mkdir(join(dir, 'empty'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a missing directory or one edgeml wrote be replaced', async () => {
    await expect(checkOverwritable(join(dir, 'missing'), target)).resolves.toBeUndefined();
    await expect(checkOverwritable(join(dir, 'ours'), target)).resolves.toBeUndefined();
  });

  it('refuses any other existing directory with a typed error naming it', async () => {
    for (const name of ['theirs', 'empty']) {
      const attempt = checkOverwritable(join(dir, name), target);
      await expect(attempt).rejects.toThrow(ConfigError);
      await expect(checkOverwritable(join(dir, name), target)).rejects.toThrow(
        `'out' ${join(dir, name)} exists and is not a Worker project written by edgeml`,
      );
    }
  });
});
