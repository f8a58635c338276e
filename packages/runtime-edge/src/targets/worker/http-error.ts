/** The Worker's JSON error bodies: `{ error: { code, message } }` with a fitting HTTP status. */

/** Error codes the Worker answers with. */
export type WorkerErrorCode =
  | 'INVALID_IMAGE'
  | 'INVALID_JSON'
  | 'INVALID_PARAMETER'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'MODEL_UNAVAILABLE'
  | 'INTERNAL';

/** HTTP status of each error code. */
export const WORKER_ERROR_STATUS: Readonly<Record<WorkerErrorCode, 400 | 404 | 405 | 413 | 415 | 500 | 503>> =
  {
    INVALID_IMAGE: 400,
    INVALID_JSON: 400,
    INVALID_PARAMETER: 400,
    UNSUPPORTED_MEDIA_TYPE: 415,
    PAYLOAD_TOO_LARGE: 413,
    METHOD_NOT_ALLOWED: 405,
    NOT_FOUND: 404,
    MODEL_UNAVAILABLE: 503,
    INTERNAL: 500,
  };

/** A request the Worker refuses; the app turns it into a JSON error response. */
export class HttpError extends Error {
  readonly code: WorkerErrorCode;
  readonly status: number;

  constructor(code: WorkerErrorCode, message: string) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.status = WORKER_ERROR_STATUS[code];
  }
}

/** The JSON body of an error response. */
export function errorBody(
  code: WorkerErrorCode,
  message: string,
): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
