/** Errors raised by IR validation and shape inference. */

import { EdgemlError } from '@edgeml/core';

/** A MODEL_INVALID error naming the node or tensor that breaks the graph. */
export function invalidModel(message: string, details: Record<string, unknown> = {}): EdgemlError {
  return new EdgemlError('MODEL_INVALID', message, details);
}
