/**
 * Where a model package's bytes come from. One small interface so that the same reader works on a
 * directory (Node), a URL base (browsers, Workers) or bytes held in memory (tests, uploads).
 */

/** Reads the files of one model package by their relative paths. */
export interface ModelPackageSource {
  /** Where the package lives, for messages: a directory path, a URL or `memory:<name>`. */
  readonly location: string;
  /** The bytes of the file at relative `path`, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
}
