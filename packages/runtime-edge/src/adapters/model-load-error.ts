/** The typed error a runtime adapter throws when a model file cannot be loaded or run. */
import { EdgemlError } from '@edgeml/core';

/** A model file that a runtime rejected (corrupt bytes, wrong format, unexpected shapes). */
export function modelLoadError(runtime: string, file: string, cause: unknown): EdgemlError {
  if (cause instanceof EdgemlError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new EdgemlError(
    'MODEL_INVALID',
    `${runtime} cannot load model file '${file}': ${reason}`,
    { runtime, file },
    { cause },
  );
}
