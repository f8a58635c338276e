import { describe, expect, it } from 'vitest';
import { authenticate, bearerToken, matchesApiKey, parseApiKeys, rateLimitKey } from './access-control.js';
import { createWorkerApp } from './app.js';
import { HttpError } from './http-error.js';
import type { WorkerEnv } from './worker-settings.js';

const KEY = 'k-0123456789abcdef';

async function refusal(promise: Promise<unknown>): Promise<[number, string]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return [(error as HttpError).status, (error as HttpError).code];
}

const request = (headers: Record<string, string> = {}) => new Request('http://w/v1/classify', { headers });

describe('API key check', () => {
  it('matches only a whole configured key, whatever its length', async () => {
    const keys = parseApiKeys(` ${KEY} , other-key ,, `);
    expect(keys).toEqual([KEY, 'other-key']);
    expect(await matchesApiKey(KEY, keys)).toBe(true);
    expect(await matchesApiKey('other-key', keys)).toBe(true);
    for (const wrong of [
      '',
      KEY.slice(0, -1),
      `${KEY}x`,
      `${KEY.slice(0, -1)}X`,
      'other',
      KEY.toUpperCase(),
    ]) {
      expect(await matchesApiKey(wrong, keys), wrong).toBe(false);
    }
    expect(await matchesApiKey(KEY, [])).toBe(false);
  });

  it('reads Bearer tokens only', () => {
    expect(bearerToken(`Bearer ${KEY}`)).toBe(KEY);
    expect(bearerToken(`bearer   ${KEY} `)).toBe(KEY);
    expect(bearerToken(null)).toBeUndefined();
    expect(bearerToken(`Basic ${KEY}`)).toBeUndefined();
    expect(bearerToken(KEY)).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });

  it('passes with no key configured, refuses 401 without a valid one, fails closed when required', async () => {
    expect(await authenticate(request({ 'cf-connecting-ip': '203.0.113.9' }), undefined, false)).toEqual({
      ip: '203.0.113.9',
    });
    expect(await refusal(authenticate(request(), KEY, false))).toEqual([401, 'UNAUTHORIZED']);
    expect(await refusal(authenticate(request({ authorization: 'Bearer nope' }), KEY, false))).toEqual([
      401,
      'UNAUTHORIZED',
    ]);
    expect(await refusal(authenticate(request(), undefined, true))).toEqual([500, 'AUTH_NOT_CONFIGURED']);
    expect(await refusal(authenticate(request(), ' , ', true))).toEqual([500, 'AUTH_NOT_CONFIGURED']);
    const client = await authenticate(request({ authorization: `Bearer ${KEY}` }), KEY, true);
    expect(client.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(client.keyId).not.toContain(KEY);
    expect(rateLimitKey(client, 'api-key')).toBe(`key:${client.keyId}`);
    expect(rateLimitKey(client, 'ip')).toBe('ip:unknown');
    expect(rateLimitKey({ ip: '203.0.113.9' }, 'api-key')).toBe('ip:203.0.113.9');
  });
});

describe('Worker app access control', () => {
  // Access control runs before any route: the package and the model must never be loaded here.
  let loads = 0;
  const app = createWorkerApp({
    precision: 'float32',
    loadPackage: async () => {
      loads++;
      throw new Error('the package must not be read before access control passed');
    },
    loadModel: async () => {
      loads++;
      throw new Error('the model must not be loaded before access control passed');
    },
  });
  const png = new Uint8Array([137, 80, 78, 71]);
  const classify = (env: WorkerEnv, headers: Record<string, string> = {}) =>
    app.request(
      '/v1/classify',
      { method: 'POST', body: png, headers: { 'content-type': 'image/png', ...headers } },
      env,
    );

  it('answers 401 (WWW-Authenticate), 500 when a required key is missing, 429 with Retry-After', async () => {
    const unauthorized = await classify({ EDGEML_API_KEY: KEY });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
    expect(await unauthorized.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const batch = await app.request('/v1/classify/batch', { method: 'POST' }, { EDGEML_API_KEY: KEY });
    expect(batch.status).toBe(401);
    const model = await app.request('/v1/model', {}, { EDGEML_API_KEY: KEY });
    expect(model.status).toBe(401);

    const misconfigured = await classify({ EDGEML_API_KEY_REQUIRED: 'true' });
    expect(misconfigured.status).toBe(500);
    expect(await misconfigured.json()).toMatchObject({ error: { code: 'AUTH_NOT_CONFIGURED' } });

    const keys: string[] = [];
    const limited = await classify(
      {
        EDGEML_API_KEY: KEY,
        EDGEML_RATE_LIMIT_BY: 'api-key',
        EDGEML_RATE_LIMIT_PERIOD: '10',
        EDGEML_RATE_LIMITER: {
          limit: async ({ key }) => {
            keys.push(key);
            return { success: false };
          },
        },
      },
      { authorization: `Bearer ${KEY}` },
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(await limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^key:[0-9a-f]{32}$/);
    expect(loads).toBe(0);
  });
});
