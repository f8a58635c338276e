import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgemlError } from '../errors.js';
import { buildManifest, describeFile, serializeManifest } from './build.js';
import { createFetchSource } from './fetch-source.js';
import { readModelPackage } from './read.js';

/** Files the local server serves under /models/tiny/. */
const served = new Map<string, Uint8Array>();
let server: Server;
let base: string;

beforeAll(async () => {
  const onnx = await describeFile({
    path: 'onnx/model v1.onnx',
    bytes: new Uint8Array([1, 2, 3]),
    format: 'onnx',
    precision: 'int8',
  });
  const labels = await describeFile({ path: 'labels.txt', bytes: 'a\nb\n', format: 'labels' });
  const manifest = buildManifest(
    {
      name: 'tiny',
      labels: ['a', 'b'],
      input: { shape: [4, 4, 1], layout: 'NCHW', dtype: 'float32' },
      preprocessing: {
        resize: { height: 4, width: 4, method: 'bilinear' },
        channels: 'grayscale',
        scale: 1 / 255,
        mean: [0.5],
        std: [0.5],
      },
    },
    [onnx.entry, labels.entry],
  );
  served.set('/models/tiny/manifest.json', new TextEncoder().encode(serializeManifest(manifest)));
  served.set('/models/tiny/onnx/model%20v1.onnx', onnx.bytes);
  served.set('/models/tiny/labels.txt', labels.bytes);
  server = createServer((request, response) => {
    const body = served.get(request.url ?? '');
    if (request.url === '/broken/manifest.json') {
      response.writeHead(503).end('down for maintenance');
    } else if (body) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createFetchSource', () => {
  it('reads and verifies a package over HTTP, encoding paths', async () => {
    const pkg = await readModelPackage(createFetchSource(`${base}/models/tiny`), { verify: true });
    expect(pkg.source.location).toBe(`${base}/models/tiny/`);
    expect([...(await pkg.readFile('onnx/model v1.onnx'))]).toEqual([1, 2, 3]);
  });

  it('turns a 404 into a missing-file error naming the file', async () => {
    const saved = served.get('/models/tiny/labels.txt')!;
    served.delete('/models/tiny/labels.txt');
    try {
      const error = await readModelPackage(createFetchSource(new URL(`${base}/models/tiny/`))).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(EdgemlError);
      expect(error).toMatchObject({ code: 'MANIFEST_FILE_MISSING', details: { file: 'labels.txt' } });
    } finally {
      served.set('/models/tiny/labels.txt', saved);
    }
  });

  it('reports other HTTP failures with the status, and refuses paths that leave the package', async () => {
    const error = await readModelPackage(createFetchSource(`${base}/broken`)).catch((e) => e);
    expect(error).toMatchObject({ code: 'MANIFEST_FILE_MISSING', details: { status: 503 } });
    expect(error.message).toContain('HTTP 503');
    await expect(createFetchSource(`${base}/models/tiny`).read('../other/manifest.json')).rejects.toThrow(
      "has a '..' segment",
    );
  });
});
