/**
 * The packagers write into a directory that may exist already: from an earlier run of the same
 * target (overwritten), or something else (refused, so nothing of the user's is lost).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@edgeml/core';

/**
 * Resolves when `outDir` does not exist or holds a `what` written by edgeml (its `file` passes
 * `isOurs`); throws a ConfigError otherwise.
 */
export async function checkOverwritable(
  outDir: string,
  target: { readonly what: string; readonly file: string; readonly isOurs: (text: string) => boolean },
): Promise<void> {
  const present = await stat(outDir).then(
    () => true,
    () => false,
  );
  if (!present) return;
  const text = await readFile(join(outDir, target.file), 'utf8').catch(() => '');
  if (!target.isOurs(text)) {
    throw new ConfigError(
      `'out' ${outDir} exists and is not ${target.what} written by edgeml; choose another directory`,
    );
  }
}
