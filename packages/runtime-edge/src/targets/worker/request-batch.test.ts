import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { type BatchItem, readBatchRequest } from './request-batch.js';

const LIMITS = { maxImages: 3, maxBytes: 4096 };
const post = (body: BodyInit, type?: string) =>
  new Request('http://w/v1/classify/batch', {
    method: 'POST',
    body,
    headers: type ? { 'content-type': type } : {},
  });
const json = (value: unknown) => post(JSON.stringify(value), 'application/json');
const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));

async function refusal(request: Request): Promise<[number, string]> {
  const error = await readBatchRequest(request, LIMITS).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpError);
  return [(error as HttpError).status, (error as HttpError).code];
}

const summary = (items: BatchItem[]) =>
  items.map((item) => ('bytes' in item ? [...item.bytes] : (item.error as HttpError).code));

describe('readBatchRequest', () => {
  it('reads multipart image parts and JSON base64 in order; unreadable entries become their own errors', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array([1, 2])]), 'a.png');
    form.append('image', 'not a file');
    form.append('image', new Blob([new Uint8Array([3])]), 'c.png');
    expect(
      summary(await readBatchRequest(new Request('http://w/', { method: 'POST', body: form }), LIMITS)),
    ).toEqual([[1, 2], 'INVALID_IMAGE', [3]]);
    expect(summary(await readBatchRequest(json({ images: [b64([7]), 5, '!!!'] }), LIMITS))).toEqual([
      [7],
      'INVALID_IMAGE',
      'INVALID_IMAGE',
    ]);
  });

  it('refuses batches as a whole: type 415, bytes and count 413, malformed 400', async () => {
    expect(await refusal(post('x', 'image/png'))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await refusal(json({ images: ['A'.repeat(5000)] }))).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await refusal(json({ images: [b64([1]), b64([2]), b64([3]), b64([4])] }))).toEqual([
      413,
      'TOO_MANY_IMAGES',
    ]);
    expect(await refusal(json({ images: [] }))).toEqual([400, 'INVALID_PARAMETER']);
    for (const body of [{ images: 'x' }, { images: [b64([1])], topK: 2 }, [b64([1])], null]) {
      expect(await refusal(json(body))).toEqual([400, 'INVALID_JSON']);
    }
    expect(await refusal(post('{', 'application/json'))).toEqual([400, 'INVALID_JSON']);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1])]), 'a.png');
    expect(await refusal(new Request('http://w/', { method: 'POST', body: form }))).toEqual([
      400,
      'INVALID_PARAMETER',
    ]);
    expect(await refusal(post('garbage', 'multipart/form-data; boundary=zzz'))).toEqual([
      400,
      'INVALID_PARAMETER',
    ]);
  });
});
