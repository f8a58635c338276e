/**
 * The Worker's access and batch options, declared once (core's `declare.ts`): `edgeml package
 * --target worker`'s flags, their --help text, defaults and error messages come from here, and
 * packageWorker validates the same declarations. A rate limit is written `N/10s` or `N/60s` (also
 * `N/1m`): Cloudflare's rate-limiting binding counts in windows of 10 or 60 seconds only.
 */
import { ConfigError, type OptionDecls, type OptionsOf } from '@edgeml/core';
import { DEFAULT_BATCH_MAX_BYTES, DEFAULT_BATCH_MAX_IMAGES } from './worker-settings.js';

/** The Worker's access and batch options. */
export const WORKER_ACCESS_OPTIONS = {
  apiKeyRequired: {
    kind: 'boolean',
    default: false,
    description:
      'refuse every request (500) until the secret EDGEML_API_KEY is set; with it set, requests need Authorization: Bearer <key> either way',
  },
  rateLimit: {
    kind: 'string',
    nullable: true,
    default: null,
    placeholder: 'N/10s|N/60s',
    description: "per-client rate limit (Cloudflare's rate-limiting binding): N requests per 10 or 60 s",
  },
  rateLimitBy: {
    kind: 'choice',
    values: ['ip', 'api-key'],
    default: 'ip',
    placeholder: 'ip|api-key',
    description: "whose budget a request counts against: the client's IP (CF-Connecting-IP) or its API key",
  },
  batchMaxImages: {
    kind: 'integer',
    min: 1,
    max: 1024,
    default: DEFAULT_BATCH_MAX_IMAGES,
    placeholder: 'N',
    description: 'most images in one POST /v1/classify/batch request',
  },
  batchMaxBytes: {
    kind: 'integer',
    min: 1,
    max: 64 * 1024 * 1024,
    default: DEFAULT_BATCH_MAX_BYTES,
    placeholder: 'N',
    description: 'largest POST /v1/classify/batch request body, in bytes',
  },
} as const satisfies OptionDecls;

/** Validated access and batch options. */
export type WorkerAccessOptions = OptionsOf<typeof WORKER_ACCESS_OPTIONS>;

/** A rate limit as the binding takes it. */
export interface RateLimitSpec {
  /** Requests allowed per period and client. */
  readonly limit: number;
  /** The window in seconds: 10 or 60. */
  readonly period: 10 | 60;
}

/** Parses `N/10s`, `N/60s` or `N/1m` (N a positive integer); a ConfigError names the allowed forms. */
export function parseRateLimit(text: string): RateLimitSpec {
  const match = /^\s*(\d+)\s*\/\s*(10s|60s|1m)\s*$/.exec(text);
  const limit = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(limit) || limit < 1) {
    throw new ConfigError(
      `'rateLimit' must be 'N/10s' or 'N/60s' (N an integer >= 1; Cloudflare's rate limiter counts per 10 or 60 seconds), got '${text}'`,
      { key: 'rateLimit', value: text },
    );
  }
  return { limit, period: match[2] === '10s' ? 10 : 60 };
}
