/**
 * Run-time settings of the Worker, read from its environment (`[vars]` in wrangler.toml), so an
 * operator changes CORS or limits without rebuilding: EDGEML_CORS_ORIGINS ('' = no CORS headers,
 * '*' or a comma-separated list of origins), EDGEML_MAX_BODY_BYTES, EDGEML_MAX_IMAGE_PIXELS.
 */

/** The Worker's environment variables (all optional strings). */
export interface WorkerEnv {
  readonly EDGEML_CORS_ORIGINS?: string;
  readonly EDGEML_MAX_BODY_BYTES?: string;
  readonly EDGEML_MAX_IMAGE_PIXELS?: string;
}

/** Parsed Worker settings. */
export interface WorkerSettings {
  /** Origins allowed by CORS: '*', a list, or none (no CORS headers). */
  readonly corsOrigins: '*' | readonly string[];
  /** Largest request body accepted. @default 4 MiB */
  readonly maxBodyBytes: number;
  /** Largest decoded image accepted, in pixels (a Worker isolate has 128 MB). @default 4 Mi (2048 x 2048) */
  readonly maxImagePixels: number;
}

/** Default request body limit: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Default image size limit: 2048 x 2048 pixels. */
export const DEFAULT_MAX_IMAGE_PIXELS = 2048 * 2048;

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
  return {
    corsOrigins,
    maxBodyBytes: positiveInt(env?.EDGEML_MAX_BODY_BYTES, defaults.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    maxImagePixels: positiveInt(
      env?.EDGEML_MAX_IMAGE_PIXELS,
      defaults.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    ),
  };
}
