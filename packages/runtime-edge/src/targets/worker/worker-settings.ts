/**
 * Run-time settings of the Worker, read from its environment (`[vars]` in wrangler.toml, secrets),
 * so an operator changes CORS, limits or access without rebuilding: EDGEML_CORS_ORIGINS ('' = no
 * CORS headers, '*' or a comma-separated list of origins), EDGEML_MAX_BODY_BYTES,
 * EDGEML_MAX_IMAGE_PIXELS, EDGEML_BATCH_MAX_IMAGES, EDGEML_BATCH_MAX_BYTES; access control:
 * EDGEML_API_KEY (a secret: one key, or several separated by commas), EDGEML_API_KEY_REQUIRED,
 * EDGEML_RATE_LIMIT_BY, EDGEML_RATE_LIMIT_PERIOD and the rate-limiting binding EDGEML_RATE_LIMITER.
 */

/** Cloudflare's rate-limiting binding (wrangler `[[ratelimits]]`), as the Worker uses it. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** The Worker's environment: variables (all optional strings), the API key secret, bindings. */
export interface WorkerEnv {
  readonly EDGEML_CORS_ORIGINS?: string;
  readonly EDGEML_MAX_BODY_BYTES?: string;
  readonly EDGEML_MAX_IMAGE_PIXELS?: string;
  readonly EDGEML_BATCH_MAX_IMAGES?: string;
  readonly EDGEML_BATCH_MAX_BYTES?: string;
  /** Secret (`wrangler secret put EDGEML_API_KEY`, or `.dev.vars` locally): the accepted key(s). */
  readonly EDGEML_API_KEY?: string;
  /** 'true': refuse every request (500) while no EDGEML_API_KEY is set, instead of serving openly. */
  readonly EDGEML_API_KEY_REQUIRED?: string;
  /** 'ip' (CF-Connecting-IP) or 'api-key': what a rate-limit budget belongs to. */
  readonly EDGEML_RATE_LIMIT_BY?: string;
  /** The binding's period in seconds (10 or 60), for Retry-After. */
  readonly EDGEML_RATE_LIMIT_PERIOD?: string;
  /** The rate-limiting binding; absent = no rate limiting. */
  readonly EDGEML_RATE_LIMITER?: RateLimitBinding;
}

/** What a rate-limit budget belongs to. */
export type RateLimitBy = 'ip' | 'api-key';

/** Parsed Worker settings. */
export interface WorkerSettings {
  /** Origins allowed by CORS: '*', a list, or none (no CORS headers). */
  readonly corsOrigins: '*' | readonly string[];
  /** Largest request body accepted on /v1/classify. @default 4 MiB */
  readonly maxBodyBytes: number;
  /** Largest decoded image accepted, in pixels (a Worker isolate has 128 MB). @default 4 Mi (2048 x 2048) */
  readonly maxImagePixels: number;
  /** Most images in one /v1/classify/batch request. @default 32 */
  readonly batchMaxImages: number;
  /** Largest /v1/classify/batch request body (all images with their encoding). @default 8 MiB */
  readonly batchMaxBytes: number;
  /** Refuse to serve while no API key is configured. @default false */
  readonly apiKeyRequired: boolean;
  /** What a rate-limit budget belongs to. @default 'ip' */
  readonly rateLimitBy: RateLimitBy;
  /** The rate limiter's period in seconds (Retry-After of a 429). @default 60 */
  readonly rateLimitPeriodSeconds: number;
}

/** Default request body limit: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Default image size limit: 2048 x 2048 pixels. */
export const DEFAULT_MAX_IMAGE_PIXELS = 2048 * 2048;
/** Default image count limit of a batch request: 32. */
export const DEFAULT_BATCH_MAX_IMAGES = 32;
/** Default body limit of a batch request: 8 MiB. */
export const DEFAULT_BATCH_MAX_BYTES = 8 * 1024 * 1024;

function positiveInt(text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Settings from `env`, falling back to `defaults`, then to the built-in defaults. */
export function readWorkerSettings(
  env: WorkerEnv | undefined,
  defaults: Partial<WorkerSettings> = {},
): WorkerSettings {
  const cors = env?.EDGEML_CORS_ORIGINS;
  const corsOrigins =
    cors === undefined
      ? (defaults.corsOrigins ?? [])
      : cors.trim() === '*'
        ? '*'
        : cors
            .split(',')
            .map((o) => o.trim())
            .filter((o) => o !== '');
  const required = env?.EDGEML_API_KEY_REQUIRED?.trim().toLowerCase();
  const by = env?.EDGEML_RATE_LIMIT_BY?.trim().toLowerCase();
  return {
    corsOrigins,
    maxBodyBytes: positiveInt(env?.EDGEML_MAX_BODY_BYTES, defaults.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    maxImagePixels: positiveInt(
      env?.EDGEML_MAX_IMAGE_PIXELS,
      defaults.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    ),
    batchMaxImages: positiveInt(
      env?.EDGEML_BATCH_MAX_IMAGES,
      defaults.batchMaxImages ?? DEFAULT_BATCH_MAX_IMAGES,
    ),
    batchMaxBytes: positiveInt(
      env?.EDGEML_BATCH_MAX_BYTES,
      defaults.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES,
    ),
    // Anything but an explicit 'false' keeps a required key required (fail closed).
    apiKeyRequired:
      required === undefined || required === '' ? (defaults.apiKeyRequired ?? false) : required !== 'false',
    rateLimitBy: by === 'api-key' || by === 'ip' ? by : (defaults.rateLimitBy ?? 'ip'),
    rateLimitPeriodSeconds: positiveInt(env?.EDGEML_RATE_LIMIT_PERIOD, defaults.rateLimitPeriodSeconds ?? 60),
  };
}
