/**
 * Finds the images of an ImageFolder tree (torchvision layout): `root/<class>/**` with
 * `.png|.jpg|.jpeg` files, classes = the sorted names of the subfolders. As torchvision's
 * ImageFolder (os.walk with followlinks=True), each class folder is walked recursively and symbolic
 * links to folders and files are followed; files are ordered by folder, then name (code points).
 * What is not taken is reported, never silently lost: hidden files and folders (`.DS_Store`,
 * `.git`), files of other types (`notes.txt`), broken links, and links to a folder already walked
 * for that class (a loop, or the same folder linked twice). Files directly in `root` belong to no class and are ignored.
 * Also detects the `root/train` + `root/test` layout.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DataFormatError, DataNotFoundError } from '@edgeml/core';

/** File extensions read as images (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** One image file and its class index. */
export interface ImageEntry {
  readonly file: string;
  readonly label: number;
}

/** A file or folder the scan did not take, and why. */
export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

/** A scanned class folder tree. */
export interface ScannedFolder {
  readonly classNames: string[];
  readonly entries: ImageEntry[];
  /** Everything inside the class folders that is not an image file, with why. */
  readonly skipped: SkippedPath[];
}

/** Whether `dir` is an existing directory (a symbolic link to one counts). */
export function isDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}

/** Subfolder names of `dir` (symbolic links to folders included), sorted by code point, hidden ones skipped. */
export async function listClassFolders(dir: string): Promise<string[]> {
  const items = await readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const item of items) {
    if (item.name.startsWith('.')) continue;
    if (item.isDirectory() || (item.isSymbolicLink() && isDirectory(join(dir, item.name))))
      names.push(item.name);
  }
  return names.sort(compareCodePoints);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the file name has one of IMAGE_EXTENSIONS (and is not hidden). */
export function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Scans `root/<class>/` folders recursively. With `classNames` given (a test tree checked against
 * the train classes), every folder must be one of them. A class folder without image files and a
 * root without class folders are DataFormatErrors; a missing root is a DataNotFoundError.
 */
export async function scanImageFolder(root: string, classNames?: readonly string[]): Promise<ScannedFolder> {
  if (!isDirectory(root)) throw new DataNotFoundError(root, 'image folder');
  const folders = await listClassFolders(root);
  if (folders.length === 0) {
    throw new DataFormatError(root, 'has no class folders (expected root/<class>/*.png|*.jpg|*.jpeg)');
  }
  const names = classNames ? [...classNames] : folders;
  const entries: ImageEntry[] = [];
  const skipped: SkippedPath[] = [];
  for (const folder of folders) {
    const label = names.indexOf(folder);
    const dir = join(root, folder);
    if (label < 0) {
      throw new DataFormatError(
        dir,
        `class '${folder}' is not one of the training classes (${names.join(', ')})`,
      );
    }
    const files: string[] = [];
    await walkClassFolder(dir, dir, new Map(), files, skipped);
    if (files.length === 0) {
      throw new DataFormatError(dir, `class folder has no ${IMAGE_EXTENSIONS.join(', ')} images`);
    }
    for (const file of files) entries.push({ file, label });
  }
  return { classNames: names, entries, skipped };
}

/**
 * Appends the image files under `dir` to `files` (this folder's files by name, then each subfolder
 * by name); `walked` maps the real path of every folder walked for this class to its path here.
 */
async function walkClassFolder(
  classDir: string,
  dir: string,
  walked: Map<string, string>,
  files: string[],
  skipped: SkippedPath[],
): Promise<void> {
  walked.set(await realpath(dir), dir);
  const items = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    compareCodePoints(a.name, b.name),
  );
  const subfolders: string[] = [];
  for (const item of items) {
    const path = join(dir, item.name);
    let kind: 'file' | 'folder' | 'other' = item.isFile() ? 'file' : item.isDirectory() ? 'folder' : 'other';
    if (item.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      if (target === undefined) {
        skipped.push({ path, reason: 'broken symbolic link' });
        continue;
      }
      kind = target.isFile() ? 'file' : target.isDirectory() ? 'folder' : 'other';
    }
    if (item.name.startsWith('.')) {
      skipped.push({ path, reason: `hidden ${kind === 'folder' ? 'folder' : 'file'}` });
    } else if (kind === 'folder') {
      subfolders.push(path);
    } else if (kind === 'other') {
      skipped.push({ path, reason: 'not a regular file or folder' });
    } else if (isImageFile(item.name)) {
      files.push(path);
    } else {
      skipped.push({ path, reason: `not an image file (expected ${IMAGE_EXTENSIONS.join(', ')})` });
    }
  }
  for (const sub of subfolders) {
    const seen = walked.get(await realpath(sub));
    if (seen !== undefined) {
      skipped.push({
        path: sub,
        reason: `same folder as ${relative(classDir, seen) || '.'}, already walked for this class (a link loop or a second link)`,
      });
      continue;
    }
    await walkClassFolder(classDir, sub, walked, files, skipped);
  }
}
