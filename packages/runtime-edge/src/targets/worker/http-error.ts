/** The Worker's JSON error bodies: `{ error: { code, message } }` with a fitting HTTP status. */

/** Error codes the Worker answers with. */
export type WorkerErrorCode =
  | 'INVALID_IMAGE'
  | 'INVALID_JSON'
  | 'INVALID_PARAMETER'
  | 'UNAUTHORIZED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_IMAGES'
  | 'RATE_LIMITED'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'AUTH_NOT_CONFIGURED'
  | 'MODEL_UNAVAILABLE'
  | 'INTERNAL';

/** HTTP status of each error code. */
export const WORKER_ERROR_STATUS: Readonly<
  Record<WorkerErrorCode, 400 | 401 | 404 | 405 | 413 | 415 | 429 | 500 | 503>
> = {
  INVALID_IMAGE: 400,
  INVALID_JSON: 400,
  INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_IMAGES: 413,
  RATE_LIMITED: 429,
  METHOD_NOT_ALLOWED: 405,
  NOT_FOUND: 404,
  AUTH_NOT_CONFIGURED: 500,
  MODEL_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A request the Worker refuses; the app turns it into a JSON error response. */
export class HttpError extends Error {
  readonly code: WorkerErrorCode;
  readonly status: number;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: WorkerErrorCode, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.status = WORKER_ERROR_STATUS[code];
    this.headers = code === 'UNAUTHORIZED' ? { 'WWW-Authenticate': 'Bearer', ...headers } : headers;
  }
}

/** The JSON body of an error response. */
export function errorBody(
  code: WorkerErrorCode,
  message: string,
): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
