/**
 * Access control of the Worker, run before any route touches the body or the model: an optional
 * API key (the secret EDGEML_API_KEY, one key or several separated by commas; requests carry
 * `Authorization: Bearer <key>`), compared in constant time (both sides hashed with SHA-256, the
 * digests compared with an XOR loop that reads every byte of every configured key), and an optional
 * per-client rate limit through Cloudflare's rate-limiting binding (EDGEML_RATE_LIMITER), keyed by
 * the client's key or its IP (CF-Connecting-IP). Refusals: 401 UNAUTHORIZED (with
 * `WWW-Authenticate: Bearer`), 429 RATE_LIMITED (with `Retry-After`), 500 AUTH_NOT_CONFIGURED when a
 * key is required but none is set (fail closed).
 */
import { HttpError } from './http-error.js';
import type { RateLimitBinding, RateLimitBy } from './worker-settings.js';

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** The hex digits of `bytes`. */
function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** The configured keys of EDGEML_API_KEY: comma-separated, blanks ignored. */
export function parseApiKeys(secret: string | undefined): string[] {
  if (secret === undefined) return [];
  return secret
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/**
 * Whether `presented` equals one of `keys`, in time that depends on neither the keys' contents nor
 * their lengths nor which one matched: every key's digest is compared in full.
 */
export async function matchesApiKey(presented: string, keys: readonly string[]): Promise<boolean> {
  const digest = await sha256(presented);
  let matched = 0;
  for (const key of keys) {
    const expected = await sha256(key);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (digest[i] ?? 0);
    matched |= diff === 0 ? 1 : 0;
  }
  return matched === 1;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | null): string | undefined {
  if (header === null) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Who a request comes from, once it passed the key check. */
export interface ClientIdentity {
  /** A short digest of the presented key (never the key itself), when a key was checked. */
  readonly keyId?: string;
  /** The client's address (CF-Connecting-IP), or 'unknown'. */
  readonly ip: string;
}

/**
 * Checks the request's key against `secret` (see the file comment); throws HttpError 401 or 500.
 * With no key configured and none required, every request passes.
 */
export async function authenticate(
  request: Request,
  secret: string | undefined,
  required: boolean,
): Promise<ClientIdentity> {
  const ip = request.headers.get('cf-connecting-ip')?.trim() || 'unknown';
  const keys = parseApiKeys(secret);
  if (keys.length === 0) {
    if (required) {
      throw new HttpError(
        'AUTH_NOT_CONFIGURED',
        'this Worker requires an API key but none is configured; set the secret EDGEML_API_KEY (wrangler secret put EDGEML_API_KEY)',
      );
    }
    return { ip };
  }
  const header = request.headers.get('authorization');
  const token = bearerToken(header);
  if (token === undefined) {
    throw new HttpError(
      'UNAUTHORIZED',
      header === null
        ? "missing API key: send the header 'Authorization: Bearer <key>'"
        : "malformed Authorization header: expected 'Bearer <key>'",
    );
  }
  if (!(await matchesApiKey(token, keys))) throw new HttpError('UNAUTHORIZED', 'invalid API key');
  return { keyId: hex(await sha256(token)).slice(0, 32), ip };
}

/** The rate-limit key of a client: its key's digest (by 'api-key', when it sent one), else its IP. */
export function rateLimitKey(client: ClientIdentity, by: RateLimitBy): string {
  return by === 'api-key' && client.keyId !== undefined ? `key:${client.keyId}` : `ip:${client.ip}`;
}

/**
 * Counts the request against the client's budget in `limiter`; throws HttpError 429 past it, whose
 * Retry-After is the limiter's period (the binding does not say when its window ends, and after one
 * full period a fresh window has begun).
 */
export async function enforceRateLimit(
  limiter: RateLimitBinding,
  key: string,
  periodSeconds: number,
): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new HttpError(
      'RATE_LIMITED',
      `rate limit exceeded for this client; retry after ${periodSeconds} s`,
      { 'Retry-After': String(periodSeconds) },
    );
  }
}
