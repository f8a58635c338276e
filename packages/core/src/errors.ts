/**
 * Typed errors shared by every edgeml package. Each names the thing that is wrong, what was
 * expected and what was found, so a caller (or the CLI) can print one clear line and a program can
 * branch on `code`.
 */

/** Stable machine-readable error codes. */
export type EdgemlErrorCode =
  | 'CONFIG_INVALID'
  | 'DATA_NOT_FOUND'
  | 'DATA_INVALID'
  | 'DATA_MISMATCH'
  | 'IMAGE_DECODE'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_FILE_MISSING'
  | 'HASH_MISMATCH'
  | 'SCHEMA_VERSION'
  | 'MODEL_INVALID'
  | 'UNSUPPORTED'
  | 'BACKEND_UNAVAILABLE'
  | 'CHECKPOINT_INVALID'
  /** A training run's loss became NaN or infinite (most often: the learning rate is too high). */
  | 'TRAINING_DIVERGED';

/** Base class of every error edgeml throws on purpose. */
export class EdgemlError extends Error {
  /** Machine-readable code, stable across versions. */
  readonly code: EdgemlErrorCode;
  /** Structured context (file, key, allowed values, ...) for programs and `--json` output. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: EdgemlErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A configuration value or CLI option is invalid: `'sparsity' must be in [0, 1), got 1.2`. */
export class ConfigError extends EdgemlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFIG_INVALID', message, details);
  }
}

/** A data set file or directory is missing. */
export class DataNotFoundError extends EdgemlError {
  constructor(path: string, what: string) {
    super('DATA_NOT_FOUND', `${what} not found: ${path}`, { path });
  }
}

/** A data set file exists but its content is not what the format requires. */
export class DataFormatError extends EdgemlError {
  constructor(path: string, problem: string, details: Record<string, unknown> = {}) {
    super('DATA_INVALID', `${path}: ${problem}`, { path, ...details });
  }
}

/**
 * A model was asked to run on data it was not trained for: other classes or another input shape.
 * The message names both sides, so a wrong `--dataset` never yields a silently wrong accuracy.
 */
export class DatasetMismatchError extends EdgemlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DATA_MISMATCH', message, details);
  }
}

/** An image could not be decoded (corrupt or truncated PNG/JPEG, unknown format). */
export class ImageDecodeError extends EdgemlError {
  constructor(source: string, problem: string, options?: ErrorOptions) {
    super('IMAGE_DECODE', `cannot decode image ${source}: ${problem}`, { source }, options);
  }
}

/** A backend was asked for but cannot run here (no GPU adapter, package not installed, ...). */
export class BackendUnavailableError extends EdgemlError {
  constructor(backend: string, reason: string, details: Record<string, unknown> = {}) {
    super('BACKEND_UNAVAILABLE', `backend '${backend}' is not available: ${reason}`, { backend, ...details });
  }
}

/** A model, layer or option is valid in general but not supported by this component. */
export class UnsupportedError extends EdgemlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('UNSUPPORTED', message, details);
  }
}

/** Formats a list of allowed values for an error message: `'a', 'b' or 'c'`. */
export function formatAllowed(values: readonly (string | number)[]): string {
  const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** A manifest.json is malformed; `details.path` is the JSON path of the bad key. */
export class ManifestInvalidError extends EdgemlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('MANIFEST_INVALID', message, details);
  }
}

/** A model package, its manifest.json or a file its manifest lists cannot be found. */
export class ManifestFileMissingError extends EdgemlError {
  constructor(message: string, details: { file: string; location: string } & Record<string, unknown>) {
    super('MANIFEST_FILE_MISSING', message, details);
  }
}

/** A package file's size or SHA-256 differs from its manifest entry. */
export class HashMismatchError extends EdgemlError {
  constructor(file: string, location: string, field: 'sha256' | 'bytes', expected: unknown, actual: unknown) {
    super(
      'HASH_MISMATCH',
      `'${file}' in model package ${location} is corrupt: ${field} expected ${String(expected)}, got ${String(actual)}`,
      { file, location, field, expected, actual },
    );
  }
}

/** A manifest declares a schemaVersion this edgeml cannot read. */
export class SchemaVersionError extends EdgemlError {
  constructor(got: unknown, supported: readonly number[]) {
    super(
      'SCHEMA_VERSION',
      `manifest.schemaVersion ${JSON.stringify(got)} is not supported; this edgeml reads schemaVersion ${formatAllowed(supported)} (a newer version needs a newer @edgeml/core)`,
      { got, supported: [...supported] },
    );
  }
}
