/**
 * The images of a POST /v1/classify/batch request: `multipart/form-data` with one `image` part
 * per file (in order), or JSON `{"images": ["<base64>", ...]}`. The whole body is read with the
 * batch byte limit (413 PAYLOAD_TOO_LARGE), then the image count is checked (413 TOO_MANY_IMAGES;
 * none: 400). A request that cannot be read as a batch fails as a whole (415, 400); an image that
 * cannot be read (a text part, an empty file, bad base64) becomes that entry's own error.
 */
import { HttpError } from './http-error.js';
import { decodeBase64, readLimited } from './request-image.js';

/** One image of a batch: its bytes, or why it could not be read. */
export type BatchItem = { readonly bytes: Uint8Array } | { readonly error: HttpError };

/** Limits of a batch request. */
export interface BatchLimits {
  readonly maxImages: number;
  readonly maxBytes: number;
}

const FIELD = 'image';

async function fromMultipart(body: Uint8Array, contentType: string): Promise<BatchItem[]> {
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HttpError(
      'INVALID_PARAMETER',
      "malformed multipart/form-data body; send one 'image' file part per image",
    );
  }
  const items: BatchItem[] = [];
  for (const [name, value] of form.entries()) {
    if (name !== FIELD) {
      throw new HttpError(
        'INVALID_PARAMETER',
        `unexpected form field '${name}'; only '${FIELD}' file parts are allowed`,
      );
    }
    if (typeof value === 'string') {
      items.push({ error: new HttpError('INVALID_IMAGE', "this 'image' part is text, not a file") });
      continue;
    }
    const bytes = new Uint8Array(await value.arrayBuffer());
    items.push(
      bytes.byteLength === 0
        ? { error: new HttpError('INVALID_IMAGE', 'this image file is empty') }
        : { bytes },
    );
  }
  return items;
}

function fromJson(body: Uint8Array): BatchItem[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new HttpError('INVALID_JSON', 'request body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpError('INVALID_JSON', 'request body must be a JSON object {"images": ["<base64>", ...]}');
  }
  const unexpected = Object.keys(json).filter((k) => k !== 'images');
  if (unexpected.length > 0) {
    throw new HttpError(
      'INVALID_JSON',
      `unexpected key(s) ${unexpected.map((k) => `'${k}'`).join(', ')}; only 'images' is allowed`,
    );
  }
  const images = (json as { images?: unknown }).images;
  if (!Array.isArray(images)) {
    throw new HttpError('INVALID_JSON', "'images' must be an array of base64 strings");
  }
  return images.map((image): BatchItem => {
    if (typeof image !== 'string') {
      return { error: new HttpError('INVALID_IMAGE', 'this entry is not a base64 string') };
    }
    try {
      return { bytes: decodeBase64(image) };
    } catch {
      return { error: new HttpError('INVALID_IMAGE', 'this entry is not valid non-empty base64') };
    }
  });
}

/** The images of a batch request, in order (see the file comment). */
export async function readBatchRequest(request: Request, limits: BatchLimits): Promise<BatchItem[]> {
  const contentType = request.headers.get('content-type') ?? '';
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'multipart/form-data' && type !== 'application/json') {
    throw new HttpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content type '${type || '(none)'}' is not supported on /v1/classify/batch; send multipart/form-data (one '${FIELD}' part per image) or application/json {"images": [...]}`,
    );
  }
  const body = await readLimited(request, limits.maxBytes);
  if (body.byteLength === 0) {
    throw new HttpError(
      type === 'application/json' ? 'INVALID_JSON' : 'INVALID_PARAMETER',
      'request body is empty',
    );
  }
  const items = type === 'application/json' ? fromJson(body) : await fromMultipart(body, contentType);
  if (items.length === 0) throw new HttpError('INVALID_PARAMETER', 'the batch holds no images');
  if (items.length > limits.maxImages) {
    throw new HttpError(
      'TOO_MANY_IMAGES',
      `the batch holds ${items.length} images; at most ${limits.maxImages} are allowed per request`,
    );
  }
  return items;
}
