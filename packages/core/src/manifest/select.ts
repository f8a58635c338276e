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
 * `runtime` (`ort-web`, `ort-node`, ...) picks a file planned for that runtime (its `runtimes`
 * names it) before one for any runtime; a file planned for other runtimes is never picked.
 */
export function findModelFile(
  manifest: ModelManifest,
  format: ModelFileFormat,
  precision?: Precision,
  runtime?: string,
): ModelFileEntry {
  const candidates = manifest.files.filter(
    (f) =>
      f.format === format &&
      (f.role === undefined || f.role === 'model') &&
      (f.runtimes === undefined || (runtime !== undefined && f.runtimes.includes(runtime))) &&
      (precision === undefined ||
        f.precision === precision ||
        (precision === 'int8' && f.precision === 'mixed')),
  );
  const planned = candidates.filter((f) => f.runtimes !== undefined);
  const found =
    (precision !== undefined && precision !== 'float32' ? planned[0] : undefined) ??
    candidates.find((f) => f.precision === (precision ?? 'float32') && f.runtimes === undefined) ??
    candidates.find((f) => f.runtimes === undefined) ??
    candidates[0];
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

/**
 * The precision to use when none is asked for: float32, unless the package holds no float32 model
 * of `format` but an int8 (or mixed) one, as an int8-only package (examples/models/) does.
 */
export function defaultModelPrecision(manifest: ModelManifest, format: ModelFileFormat): 'float32' | 'int8' {
  const models = manifest.files.filter(
    (f) => f.format === format && (f.role === undefined || f.role === 'model'),
  );
  const hasFloat = models.some((f) => f.precision === 'float32');
  const hasInt8 = models.some((f) => f.precision === 'int8' || f.precision === 'mixed');
  return !hasFloat && hasInt8 ? 'int8' : 'float32';
}
