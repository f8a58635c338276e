/**
 * Reading a model package from any source: parse and validate manifest.json, optionally check that
 * every listed file exists with the recorded size and SHA-256, and hand out verified file bytes.
 */
import { HashMismatchError, ManifestFileMissingError } from '../errors.js';
import { sha256Hex } from './sha256.js';
import type { ModelPackageSource } from './source.js';
import { MANIFEST_FILE_NAME, type ModelFileEntry, type ModelManifest } from './types.js';
import { parseManifest } from './validate.js';

/** A model package whose manifest has been read and validated. */
export interface ModelPackage {
  /** The validated manifest. */
  readonly manifest: ModelManifest;
  /** SHA-256 of the manifest.json bytes: the package's identity in later lineage steps. */
  readonly manifestSha256: string;
  /** Where the package was read from. */
  readonly source: ModelPackageSource;
  /** Bytes of a listed file, checked against its manifest entry (size and SHA-256) on every read. */
  readFile(path: string): Promise<Uint8Array>;
}

/** Options of readModelPackage. */
export interface ReadModelPackageOptions {
  /** Read every listed file up front and check its size and SHA-256. @default true */
  verify?: boolean;
}

/** Reads and validates manifest.json from `source`; with `verify` (default) checks every file too. */
export async function readModelPackage(
  source: ModelPackageSource,
  options: ReadModelPackageOptions = {},
): Promise<ModelPackage> {
  const bytes = await source.read(MANIFEST_FILE_NAME);
  if (bytes === null) {
    throw new ManifestFileMissingError(`model package ${source.location} has no ${MANIFEST_FILE_NAME}`, {
      file: MANIFEST_FILE_NAME,
      location: source.location,
    });
  }
  const manifest = parseManifest(bytes, source.location);
  const manifestSha256 = await sha256Hex(bytes);
  const entries = new Map(manifest.files.map((entry) => [entry.path, entry]));
  const pkg: ModelPackage = {
    manifest,
    manifestSha256,
    source,
    async readFile(path) {
      const entry = entries.get(path);
      if (!entry) {
        throw new ManifestFileMissingError(
          `'${path}' is not listed in manifest.json of model package ${source.location}`,
          { file: path, location: source.location, listed: [...entries.keys()] },
        );
      }
      return readVerifiedFile(source, entry);
    },
  };
  if (options.verify ?? true) await verifyModelPackage(pkg.manifest, source);
  return pkg;
}

/** Checks that every file of `manifest` exists in `source` with its recorded size and SHA-256. */
export async function verifyModelPackage(manifest: ModelManifest, source: ModelPackageSource): Promise<void> {
  // One file at a time: packages hold several model variants and memory matters in a Worker.
  for (const entry of manifest.files) await readVerifiedFile(source, entry);
}

/** Reads one file and checks it against its manifest entry; throws MANIFEST_FILE_MISSING or HASH_MISMATCH. */
export async function readVerifiedFile(
  source: ModelPackageSource,
  entry: ModelFileEntry,
): Promise<Uint8Array> {
  const bytes = await source.read(entry.path);
  if (bytes === null) {
    throw new ManifestFileMissingError(
      `model package ${source.location} is missing '${entry.path}' (listed in manifest.json as ${entry.format})`,
      { file: entry.path, location: source.location },
    );
  }
  if (bytes.byteLength !== entry.bytes) {
    throw new HashMismatchError(entry.path, source.location, 'bytes', entry.bytes, bytes.byteLength);
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256)
    throw new HashMismatchError(entry.path, source.location, 'sha256', entry.sha256, actual);
  return bytes;
}
