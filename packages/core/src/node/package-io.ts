/**
 * Model packages on disk: a directory source for the web-standard reader, and writers that never
 * leave a half-written package. A new package is written into a temporary sibling directory and
 * renamed into place; an existing one gets every file staged (written and synced under a temporary
 * name) before any is renamed over its target, and manifest.json goes last.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ManifestFileMissingError } from '../errors.js';
import {
  buildManifest,
  type DescribedFile,
  describeFile,
  type ManifestDraft,
  type ModelFileInput,
  serializeManifest,
  updateManifest,
} from '../manifest/build.js';
import { packagePathProblem } from '../manifest/paths.js';
import { type ModelPackage, type ReadModelPackageOptions, readModelPackage } from '../manifest/read.js';
import type { ModelPackageSource } from '../manifest/source.js';
import {
  type LineageStep,
  MANIFEST_FILE_NAME,
  type MetricValue,
  type ModelManifest,
} from '../manifest/types.js';
import { writeFileAtomic } from './atomic.js';

/** What writeModelPackage writes: the manifest without its files, and the files. */
export interface WriteModelPackageInput {
  /** Everything but `files` (computed) and `schemaVersion` (current); metrics and lineage default empty. */
  manifest: ManifestDraft;
  /** The files; sizes and SHA-256 are computed. */
  files: readonly ModelFileInput[];
}

/** What updateModelPackage changes in an existing package. */
export interface ModelPackageUpdate {
  /** Files to add or replace (same path replaces the entry and the file). */
  files?: readonly ModelFileInput[];
  /** Metrics to add or overwrite. */
  metrics?: Readonly<Record<string, MetricValue>>;
  /** Lineage steps to append. */
  lineage?: readonly LineageStep[];
}

/** A source reading files under directory `dir`. */
export function createDirectorySource(dir: string): ModelPackageSource {
  return {
    location: dir,
    async read(path) {
      const problem = path === MANIFEST_FILE_NAME ? null : packagePathProblem(path);
      if (problem) throw new RangeError(`package path ${JSON.stringify(path)} ${problem}`);
      try {
        return new Uint8Array(await readFile(join(dir, ...path.split('/'))));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
  };
}

/** Reads and validates the package in `dir`; with `verify` (default) checks every file's size and hash. */
export async function readModelPackageDir(
  dir: string,
  options: ReadModelPackageOptions = {},
): Promise<ModelPackage> {
  await assertPackageDirectory(dir);
  return readModelPackage(createDirectorySource(dir), options);
}

/** Writes a complete package into `dir` (new or existing) and returns its manifest; manifest.json last. */
export async function writeModelPackage(dir: string, input: WriteModelPackageInput): Promise<ModelManifest> {
  // Resolve, hash and validate everything before touching the disk.
  const described = await describeAll(input.files);
  const manifest = buildManifest(
    input.manifest,
    described.map((file) => file.entry),
  );
  const manifestText = serializeManifest(manifest);

  const existing = await statOrNull(dir);
  if (existing && !existing.isDirectory()) {
    throw new ManifestFileMissingError(`cannot write model package: ${dir} exists and is not a directory`, {
      file: dir,
      location: dir,
    });
  }
  if (existing) {
    await commitFiles(dir, described);
    await writeFileAtomic(join(dir, MANIFEST_FILE_NAME), manifestText);
    return manifest;
  }

  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  // A plain mkdir, not mkdtemp: mkdtemp makes the directory 0700, and the rename would keep that
  // mode, unlike every other directory edgeml writes (0777 less the umask, usually 0755).
  const temp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    for (const file of described) await writeSynced(join(temp, ...file.entry.path.split('/')), file.bytes);
    await writeSynced(join(temp, MANIFEST_FILE_NAME), manifestText);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return manifest;
}

/** Adds (or replaces) files in the package in `dir`, appending `lineageStep` when given; returns the new manifest. */
export async function addFilesToPackage(
  dir: string,
  files: readonly ModelFileInput[],
  lineageStep?: LineageStep,
): Promise<ModelManifest> {
  const step = lineageStep && {
    ...lineageStep,
    outputs: lineageStep.outputs ?? files.map((file) => file.path),
  };
  return updateModelPackage(dir, { files, ...(step && { lineage: [step] }) });
}

/** Applies `update` to the package in `dir`: files staged then renamed, manifest.json rewritten atomically last. */
export async function updateModelPackage(dir: string, update: ModelPackageUpdate): Promise<ModelManifest> {
  const pkg = await readModelPackageDir(dir, { verify: false });
  const described = await describeAll(update.files ?? []);
  const manifest = updateManifest(pkg.manifest, {
    files: described.map((file) => file.entry),
    ...(update.metrics && { metrics: update.metrics }),
    ...(update.lineage && { lineage: update.lineage }),
  });
  const manifestText = serializeManifest(manifest);
  await commitFiles(dir, described);
  await writeFileAtomic(join(dir, MANIFEST_FILE_NAME), manifestText);
  return manifest;
}

/** Throws a typed error naming `dir` when it is missing or not a directory. */
async function assertPackageDirectory(dir: string): Promise<void> {
  const info = await statOrNull(dir);
  if (!info) {
    throw new ManifestFileMissingError(`model package directory not found: ${dir}`, {
      file: dir,
      location: dir,
    });
  }
  if (!info.isDirectory()) {
    throw new ManifestFileMissingError(`model package path is not a directory: ${dir}`, {
      file: dir,
      location: dir,
    });
  }
}

/** Resolves and hashes every file, in order, before anything is written. */
async function describeAll(files: readonly ModelFileInput[]): Promise<DescribedFile[]> {
  const described: DescribedFile[] = [];
  for (const [i, file] of files.entries()) described.push(await describeFile(file, i));
  return described;
}

/**
 * Writes every file under a temporary name beside its target, then renames them all; when staging
 * fails the temporaries are removed and no target has changed.
 */
async function commitFiles(dir: string, files: readonly DescribedFile[]): Promise<void> {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const file of files) {
      const target = join(dir, ...file.entry.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ temp, target });
      await writeSynced(temp, file.bytes);
    }
  } catch (error) {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
  for (const { temp, target } of staged) await rename(temp, target);
}

/** Writes `data` to `path` (creating parents) and flushes it to disk. */
async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function statOrNull(path: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
