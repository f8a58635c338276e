/**
 * The image bytes of a POST /v1/classify request: a raw image/png or image/jpeg body, or JSON
 * `{"image": "<base64>"}`; the body read with a size limit (Content-Length checked first, then
 * the stream counted, so a chunked body cannot slip past it).
 */
import { HttpError } from './http-error.js';

const IMAGE_TYPES = ['image/png', 'image/jpeg'];

/** The request body, refused with 413 past `limit` bytes (declared or counted while streaming). */
export async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    throw new HttpError(
      'PAYLOAD_TOO_LARGE',
      `request body of ${declared} bytes exceeds the limit of ${limit} bytes`,
    );
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new HttpError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The bytes of a base64 string (plain, `data:` URL, URL-safe); HttpError INVALID_JSON when it is not. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (clean === '' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) {
    throw new HttpError('INVALID_JSON', "'image' must be a non-empty base64 string");
  }
  const binary = atob(clean.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function parseJsonImage(body: Uint8Array): Uint8Array {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new HttpError('INVALID_JSON', 'request body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpError('INVALID_JSON', 'request body must be a JSON object {"image": "<base64>"}');
  }
  const unexpected = Object.keys(json).filter((k) => k !== 'image');
  if (unexpected.length > 0) {
    throw new HttpError(
      'INVALID_JSON',
      `unexpected key(s) ${unexpected.map((k) => `'${k}'`).join(', ')}; only 'image' is allowed`,
    );
  }
  const image = (json as { image?: unknown }).image;
  if (typeof image !== 'string') throw new HttpError('INVALID_JSON', "'image' must be a base64 string");
  try {
    return decodeBase64(image);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError('INVALID_JSON', "'image' is not valid base64");
  }
}

/** The encoded image of a classify request, or an HttpError (415, 413, 400). */
export async function readRequestImage(request: Request, maxBodyBytes: number): Promise<Uint8Array> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const isJson = type === 'application/json';
  if (!isJson && !IMAGE_TYPES.includes(type)) {
    throw new HttpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content type '${type || '(none)'}' is not supported; send image/png, image/jpeg or application/json`,
    );
  }
  const body = await readLimited(request, maxBodyBytes);
  if (body.byteLength === 0)
    throw new HttpError(isJson ? 'INVALID_JSON' : 'INVALID_IMAGE', 'request body is empty');
  return isJson ? parseJsonImage(body) : body;
}
