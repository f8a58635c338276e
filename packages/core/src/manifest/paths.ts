/**
 * Rules for file paths inside a model package. Paths are relative and `/`-separated so that one
 * manifest works on a disk, under a URL and in memory, and they cannot climb out of the package.
 */
import { MANIFEST_FILE_NAME } from './types.js';

/** Why `path` is not a valid package file path, or null when it is. */
export function packagePathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.startsWith('/')) return 'is absolute (must be relative to the package directory)';
  if (path.includes('\\')) return "contains '\\' (use '/' as the separator)";
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  if (path.includes('?') || path.includes('#')) return "contains '?' or '#'";
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment (leading, trailing or doubled /)';
    if (segment === '.' || segment === '..') return `has a '${segment}' segment`;
  }
  if (path === MANIFEST_FILE_NAME) return `is ${MANIFEST_FILE_NAME}, which is not listed in files`;
  return null;
}

/** Whether `path` is a valid relative package file path. */
export function isPackagePath(path: string): boolean {
  return packagePathProblem(path) === null;
}
