/**
 * A model package derived from a source package (export): the source's summary.json read so a
 * stage can extend it, and the new package written with the source's manifest fields, its lineage
 * extended by one step, every other file of the source copied, the new files and the new
 * summary.json added. `fileInputOf` turns a package's file back into a file to write (the pass
 * packages use it too).
 */

import type {
  JsonObject,
  LineageStep,
  ModelFileEntry,
  ModelFileInput,
  ModelManifest,
  ModelPackage,
} from '@edgeml/core';
import { writeModelPackage } from '@edgeml/core/node';

/** The source package's summary.json as an object (`{}` when `manifest` lists none). */
export async function readSourceSummary(source: ModelPackage, manifest: ModelManifest): Promise<JsonObject> {
  const summaryBytes = manifest.files.some((f) => f.path === 'summary.json')
    ? await source.readFile('summary.json')
    : undefined;
  return summaryBytes ? (JSON.parse(new TextDecoder().decode(summaryBytes)) as JsonObject) : {};
}

/** A file of a package (its manifest entry and bytes) as the input of a new package. */
export function fileInputOf(entry: ModelFileEntry, bytes: Uint8Array): ModelFileInput {
  return {
    path: entry.path,
    bytes,
    format: entry.format,
    ...(entry.precision ? { precision: entry.precision } : {}),
    ...(entry.role ? { role: entry.role } : {}),
    ...(entry.inputLayout ? { inputLayout: entry.inputLayout } : {}),
    ...(entry.inputDtype ? { inputDtype: entry.inputDtype } : {}),
  };
}

/** What writeDerivedPackage writes. */
export interface DerivedPackageInput {
  /** The source package the other files are read from. */
  readonly source: ModelPackage;
  /** The source's manifest: its fields are kept, its lineage extended. */
  readonly manifest: ModelManifest;
  /** The new files (replacing any of the source's at the same path). */
  readonly files: readonly ModelFileInput[];
  /** Written as summary.json. */
  readonly summary: JsonObject;
  /** The step appended to the source's lineage. */
  readonly lineage: LineageStep;
}

/** Writes to `outDir` the source package with `files` and summary.json replaced or added and `lineage` appended. */
export async function writeDerivedPackage(
  outDir: string,
  input: DerivedPackageInput,
): Promise<ModelManifest> {
  const { source, manifest, files, summary, lineage } = input;
  // Every other file of the source package (the TF.js reference model, labels, ...) comes along.
  const replaced = new Set([...files.map((f) => f.path), 'summary.json']);
  const keep: ModelFileInput[] = [];
  for (const entry of manifest.files.filter((f) => !replaced.has(f.path))) {
    keep.push(fileInputOf(entry, await source.readFile(entry.path)));
  }
  return writeModelPackage(outDir, {
    manifest: {
      name: manifest.name,
      labels: manifest.labels,
      input: manifest.input,
      ...(manifest.output ? { output: manifest.output } : {}),
      preprocessing: manifest.preprocessing,
      metrics: manifest.metrics,
      lineage: [...manifest.lineage, lineage],
      ...(manifest.training ? { training: manifest.training } : {}),
      ...(manifest.data ? { data: manifest.data } : {}),
    },
    files: [
      ...keep,
      ...files,
      {
        path: 'summary.json',
        bytes: `${JSON.stringify(summary, null, 2)}\n`,
        format: 'json',
        role: 'metadata',
      },
    ],
  });
}
