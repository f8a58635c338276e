/**
 * Picking a model file out of a package: a runtime asks for a format (and maybe a precision) and
 * gets the entry to load, or a clear error listing what the package does hold.
 */
import { UnsupportedError } from '../errors.js';
import type { ModelFileEntry, ModelFileFormat, ModelManifest, Precision } from './types.js';

/**
 * The loadable model file of `format` (and `precision` when given); prefers float32 otherwise.
 * `int8` asks for the package's quantised file: a fully int8 one, else a `mixed` one (int8 with
 * some layers kept float, or int8 weights only).
 */
export function findModelFile(
  manifest: ModelManifest,
  format: ModelFileFormat,
  precision?: Precision,
): ModelFileEntry {
  const candidates = manifest.files.filter(
    (f) =>
      f.format === format &&
      (f.role === undefined || f.role === 'model') &&
      (precision === undefined ||
        f.precision === precision ||
        (precision === 'int8' && f.precision === 'mixed')),
  );
  const found = candidates.find((f) => f.precision === (precision ?? 'float32')) ?? candidates[0];
  if (!found) {
    const held = manifest.files
      .filter((f) => f.role === 'model' || (f.role === undefined && f.format !== 'tfjs-weights'))
      .map((f) => `${f.path} (${f.format}${f.precision ? `, ${f.precision}` : ''})`);
    const wanted = precision ? `${format} ${precision}` : format;
    throw new UnsupportedError(
      `model package '${manifest.name}' has no ${wanted} model; it holds ${held.join(', ') || 'no model files'}`,
      { format, precision, held },
    );
  }
  return found;
}
