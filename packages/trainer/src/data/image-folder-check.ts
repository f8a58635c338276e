/**
 * The load-time check of an image folder: every file is read once and checked with core's
 * checkImageIntegrity (format from the magic bytes, header, PNG chunk chain and CRCs, JPEG marker
 * structure through the end-of-image marker), without decoding pixels. A file that fails is
 * reported with the reason (not a PNG or JPEG, truncated, corrupt) instead of failing training or
 * evaluation later; the headers of the others decide the data set's shape.
 */
import { readFile } from 'node:fs/promises';
import { checkImageIntegrity, type ImageHeader } from '@edgeml/core';

/** Files read and checked at once. */
export const CHECK_CONCURRENCY = 16;

/** The outcome of checking one file: its header, or why it cannot be used. */
export type ImageFileCheck =
  | { readonly ok: true; readonly header: ImageHeader }
  | { readonly ok: false; readonly reason: string };

/** Checks every file (see the file comment); results are in the order of `files`. */
export async function checkImageFiles(files: readonly string[]): Promise<ImageFileCheck[]> {
  const results: ImageFileCheck[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const file = files[i] ?? '';
      try {
        results[i] = { ok: true, header: checkImageIntegrity(await readFile(file), file) };
      } catch (error) {
        results[i] = { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, files.length) }, worker));
  return results;
}
