/**
 * Finds the images of an ImageFolder tree (torchvision layout): `root/<class>/*.png|*.jpg|*.jpeg`,
 * classes = the sorted names of the subfolders, files sorted by name; hidden entries and other
 * file types are ignored. Also detects the `root/train` + `root/test` layout.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError, DataNotFoundError } from '@edgeml/core';

/** File extensions read as images (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** One image file and its class index. */
export interface ImageEntry {
  readonly file: string;
  readonly label: number;
}

/** A scanned class folder tree. */
export interface ScannedFolder {
  readonly classNames: string[];
  readonly entries: ImageEntry[];
}

/** Whether `dir` is an existing directory. */
export function isDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}

/** Subfolder names of `dir`, sorted by code point, hidden ones skipped. */
export async function listClassFolders(dir: string): Promise<string[]> {
  const items = await readdir(dir, { withFileTypes: true });
  return items
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort(compareCodePoints);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the file name has one of IMAGE_EXTENSIONS. */
export function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Scans `root/<class>/` folders. With `classNames` given (a test tree checked against the train
 * classes), every folder must be one of them. Empty class folders and a root without class
 * folders are DataFormatErrors; a missing root is a DataNotFoundError.
 */
export async function scanImageFolder(root: string, classNames?: readonly string[]): Promise<ScannedFolder> {
  if (!isDirectory(root)) throw new DataNotFoundError(root, 'image folder');
  const folders = await listClassFolders(root);
  if (folders.length === 0) {
    throw new DataFormatError(root, 'has no class folders (expected root/<class>/*.png|*.jpg|*.jpeg)');
  }
  const names = classNames ? [...classNames] : folders;
  const entries: ImageEntry[] = [];
  for (const folder of folders) {
    const label = names.indexOf(folder);
    const dir = join(root, folder);
    if (label < 0) {
      throw new DataFormatError(
        dir,
        `class '${folder}' is not one of the training classes (${names.join(', ')})`,
      );
    }
    const files = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && isImageFile(d.name))
      .map((d) => d.name)
      .sort(compareCodePoints);
    if (files.length === 0) {
      throw new DataFormatError(dir, `class folder has no ${IMAGE_EXTENSIONS.join(', ')} images`);
    }
    for (const f of files) entries.push({ file: join(dir, f), label });
  }
  return { classNames: names, entries };
}
