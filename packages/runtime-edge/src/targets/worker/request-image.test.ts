import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { readRequestImage } from './request-image.js';

const post = (body: BodyInit, type?: string) =>
  new Request('http://w/v1/classify', {
    method: 'POST',
    body,
    headers: type ? { 'content-type': type } : {},
  });

async function refusal(request: Request, limit = 1024): Promise<[number, string]> {
  const error = await readRequestImage(request, limit).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpError);
  return [(error as HttpError).status, (error as HttpError).code];
}

describe('readRequestImage', () => {
  it('reads raw image bodies and JSON base64 (plain, data URL, URL-safe)', async () => {
    const bytes = Uint8Array.from([137, 80, 78, 71, 255, 254]);
    expect(await readRequestImage(post(bytes, 'image/png'), 1024)).toEqual(bytes);
    const b64 = btoa(String.fromCharCode(...bytes));
    expect(await readRequestImage(post(JSON.stringify({ image: b64 }), 'application/json'), 1024)).toEqual(
      bytes,
    );
    const dataUrl = `data:image/png;base64,${b64}`;
    expect(
      await readRequestImage(
        post(JSON.stringify({ image: dataUrl }), 'application/json; charset=utf-8'),
        1024,
      ),
    ).toEqual(bytes);
    const urlSafe = b64.replace(/\+/g, '-').replace(/\//g, '_');
    expect(
      await readRequestImage(post(JSON.stringify({ image: urlSafe }), 'application/json'), 1024),
    ).toEqual(bytes);
  });

  it('refuses wrong types (415), big bodies (413, also streamed) and bad JSON (400)', async () => {
    expect(await refusal(post('x', 'text/plain'))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await refusal(post('x'))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await refusal(post(new Uint8Array(2000), 'image/jpeg'))).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    const chunked = new Request('http://w/', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'image/png' },
      duplex: 'half',
    } as RequestInit);
    expect(await refusal(chunked)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    for (const body of [
      '{',
      '"x"',
      'null',
      '{"image": 3}',
      '{"image": "a", "topK": 2}',
      '{"image": "!!!"}',
      '{"image": ""}',
    ]) {
      expect(await refusal(post(body, 'application/json'))).toEqual([400, 'INVALID_JSON']);
    }
    expect(await refusal(post(new Uint8Array(0), 'image/png'))).toEqual([400, 'INVALID_IMAGE']);
  });
});
