/**
 * Building manifests from a draft and file bytes: hash and size every file, assemble, validate and
 * serialize with a stable key order, and merge later additions (new formats, metrics, lineage).
 * Web-standard, so a browser can build a package as well as Node.
 */
import { ManifestInvalidError } from '../errors.js';
import { sha256Hex } from './sha256.js';
import type {
  FileRole,
  LineageStep,
  MetricValue,
  ModelFileEntry,
  ModelFileFormat,
  ModelManifest,
  Precision,
} from './types.js';
import { checkFileEntry, validateManifest } from './validate.js';

/** A file to put into a package; `bytes` as a string is stored as UTF-8. */
export interface ModelFileInput {
  /** Relative `/`-separated path inside the package. */
  path: string;
  /** Content. */
  bytes: Uint8Array | string;
  /** File format. */
  format: ModelFileFormat;
  /** Numeric precision; required for model formats. */
  precision?: Precision;
  /** What the file is for. */
  role?: FileRole;
  /** Input layout of this model file when it differs from the manifest's. */
  inputLayout?: ModelFileEntry['inputLayout'];
  /** Input element type of this model file when it differs from the manifest's. */
  inputDtype?: ModelFileEntry['inputDtype'];
  /** Runtimes this file was planned for (absent: any runtime). */
  runtimes?: readonly string[];
}

/** A manifest before its files are hashed; metrics and lineage default to empty. */
export type ManifestDraft = Omit<ModelManifest, 'schemaVersion' | 'files' | 'metrics' | 'lineage'> &
  Partial<Pick<ModelManifest, 'schemaVersion' | 'metrics' | 'lineage'>>;

/** Additions to an existing manifest: files replace entries with the same path. */
export interface ManifestUpdate {
  /** New or replaced file entries. */
  files?: readonly ModelFileEntry[];
  /** Metrics to add or overwrite. */
  metrics?: Readonly<Record<string, MetricValue>>;
  /** Steps to append to the lineage. */
  lineage?: readonly LineageStep[];
}

/** A file with its content resolved to bytes and its manifest entry computed. */
export interface DescribedFile {
  /** The manifest entry (size and SHA-256 filled in). */
  entry: ModelFileEntry;
  /** The bytes the entry describes. */
  bytes: Uint8Array;
}

/** Resolves a file's bytes and computes its manifest entry; validates the entry's fields. */
export async function describeFile(file: ModelFileInput, index = 0): Promise<DescribedFile> {
  const bytes = typeof file.bytes === 'string' ? new TextEncoder().encode(file.bytes) : file.bytes;
  const entry = checkFileEntry(
    {
      path: file.path,
      format: file.format,
      ...(file.precision !== undefined && { precision: file.precision }),
      ...(file.role !== undefined && { role: file.role }),
      bytes: bytes.byteLength,
      sha256: await sha256Hex(bytes),
      ...(file.inputLayout !== undefined && { inputLayout: file.inputLayout }),
      ...(file.inputDtype !== undefined && { inputDtype: file.inputDtype }),
      ...(file.runtimes !== undefined && { runtimes: [...file.runtimes] }),
    },
    `files[${index}]`,
  );
  return { entry, bytes };
}

/** Assembles and validates a manifest from a draft and computed file entries. */
export function buildManifest(draft: ManifestDraft, files: readonly ModelFileEntry[]): ModelManifest {
  const { schemaVersion, metrics, lineage, ...rest } = draft;
  return validateManifest({
    schemaVersion: schemaVersion ?? 1,
    ...rest,
    files: [...files],
    metrics: metrics ?? {},
    lineage: lineage ?? [],
  });
}

/** Returns a new validated manifest with `update` merged in (the input is not mutated). */
export function updateManifest(manifest: ModelManifest, update: ManifestUpdate): ModelManifest {
  const replaced = new Map((update.files ?? []).map((entry) => [entry.path, entry]));
  if (replaced.size !== (update.files?.length ?? 0)) {
    throw new ManifestInvalidError('files to add repeat a path', {
      paths: (update.files ?? []).map((f) => f.path),
    });
  }
  const files = manifest.files.map((entry) => replaced.get(entry.path) ?? entry);
  const existing = new Set(manifest.files.map((entry) => entry.path));
  for (const entry of update.files ?? []) if (!existing.has(entry.path)) files.push(entry);
  return validateManifest({
    ...manifest,
    files,
    metrics: { ...manifest.metrics, ...update.metrics },
    lineage: [...manifest.lineage, ...(update.lineage ?? [])],
  });
}

/** The manifest.json text: two-space JSON with a trailing newline (keys in validated order). */
export function serializeManifest(manifest: ModelManifest): string {
  return `${JSON.stringify(validateManifest(manifest), null, 2)}\n`;
}
